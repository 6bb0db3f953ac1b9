#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one tensor lives in a GGUF file (GGUF spec, "gguf_tensor_info_t").
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// Dimensions innermost first, as GGUF stores them: `dimensions[0]` is the length of a row
    /// (the input dimension K of a weight matrix), `dimensions[1]` the number of rows (N).
    public let dimensions: [Int]
    public let type: GGMLType
    /// Absolute byte offset of the tensor data in the file.
    public let offset: Int
    /// Bytes of tensor data.
    public let byteCount: Int

    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Elements per row (`dimensions[0]`).
    public var rowLength: Int { dimensions.first ?? 1 }
    /// Number of rows: the product of all dimensions but the first.
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
}

/// A memory-mapped GGUF v2/v3 file: metadata, tensor infos and zero-copy tensor data.
///
/// Format: GGUF spec (ggml docs/gguf.md): magic "GGUF", u32 version, u64 tensor count, u64 metadata
/// count, metadata key/values, tensor infos, padding to `general.alignment` (default 32), tensor data.
/// Every count, length and offset is checked against the file size before it is used, so a
/// truncated or malicious file throws `GGUFError` instead of crashing or allocating huge buffers.
/// The mapping lives as long as this object; tensor pointers must not outlive it.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    /// Metadata in file order of keys is not kept; look keys up by name.
    public let metadata: [String: GGUFValue]
    /// Tensor infos in file order.
    public let tensorInfos: [GGUFTensorInfo]
    public let alignment: Int
    /// Size of the mapped file in bytes.
    public let fileSize: Int
    private let base: UnsafeMutableRawPointer?
    private let byName: [String: Int]

    /// Maps and parses the file at `path`.
    /// - Throws: `GGUFError` naming what is wrong (cannot open, bad magic, version, truncation,
    ///   absurd counts or lengths, unknown value or tensor types, bad alignment, duplicate keys or
    ///   tensors, misaligned tensors, tensors past the end of the file). Tensor types Augur cannot
    ///   compute with are accepted here and rejected by `WeightMatrix`.
    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO must not hang; it is rejected below as not a regular file.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw GGUFError.cannotOpen(path: path, reason: "is a directory") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw GGUFError.cannotOpen(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        fileSize = size
        var mapped: UnsafeMutableRawPointer? = nil
        if size > 0 {
            let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let p, p != MAP_FAILED else { throw GGUFError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))") }
            mapped = p
        }
        base = mapped
        do {
            let bytes = UnsafeRawBufferPointer(start: mapped, count: size)
            var parser = GGUFParser(bytes: bytes)
            let parsed = try parser.parse()
            version = parsed.version
            metadata = parsed.metadata
            tensorInfos = parsed.tensors
            alignment = parsed.alignment
            var names: [String: Int] = [:]
            for (i, t) in parsed.tensors.enumerated() { names[t.name] = i }
            byName = names
        } catch {
            if let mapped { munmap(mapped, size) }
            throw error
        }
    }

    deinit {
        if let base { munmap(base, fileSize) }
    }

    /// The info of tensor `name`, or nil.
    public func tensorInfo(_ name: String) -> GGUFTensorInfo? {
        byName[name].map { tensorInfos[$0] }
    }

    /// The info of tensor `name`. - Throws: `GGUFError.missingTensor`.
    public func requireTensor(_ name: String) throws -> GGUFTensorInfo {
        guard let info = tensorInfo(name) else { throw GGUFError.missingTensor(name) }
        return info
    }

    /// The raw bytes of a tensor, valid while this file is alive.
    public func data(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.map { UnsafeRawPointer($0) + info.offset }, count: info.byteCount)
    }

    /// The bytes of the whole mapped file.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: fileSize) }

    /// Drops the whole pages of `range` (inside this file's mapping) from the process's resident
    /// memory (`madvise(MADV_DONTNEED)`): for tensors copied elsewhere at load and no longer read
    /// here. The mapping stays valid (a later read faults the page in from the file again).
    /// Ranges outside the mapping are ignored.
    public func releasePages(_ range: UnsafeRawBufferPointer) {
        guard let base, let start = range.baseAddress, start >= UnsafeRawPointer(base),
              start + range.count <= UnsafeRawPointer(base) + fileSize else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = (Int(bitPattern: start) + page - 1) / page * page
        let hi = (Int(bitPattern: start) + range.count) / page * page
        guard hi > lo, let p = UnsafeMutableRawPointer(bitPattern: lo) else { return }
        _ = madvise(p, hi - lo, MADV_DONTNEED)
    }

    // MARK: - Typed metadata access

    public func string(_ key: String) -> String? { metadata[key]?.stringValue }
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }
    public func double(_ key: String) -> Double? { metadata[key]?.doubleValue }

    /// An integer metadata value. - Throws: `GGUFError.missingMetadata` / `.wrongMetadataType`.
    public func requireInt(_ key: String) throws -> Int {
        guard let v = metadata[key] else { throw GGUFError.missingMetadata(key) }
        guard let i = v.intValue else { throw GGUFError.wrongMetadataType(key: key, expected: "an integer") }
        return i
    }

    /// A float metadata value. - Throws: `GGUFError.missingMetadata` / `.wrongMetadataType`.
    public func requireDouble(_ key: String) throws -> Double {
        guard let v = metadata[key] else { throw GGUFError.missingMetadata(key) }
        guard let d = v.doubleValue else { throw GGUFError.wrongMetadataType(key: key, expected: "a number") }
        return d
    }

    /// A string metadata value. - Throws: `GGUFError.missingMetadata` / `.wrongMetadataType`.
    public func requireString(_ key: String) throws -> String {
        guard let v = metadata[key] else { throw GGUFError.missingMetadata(key) }
        guard let s = v.stringValue else { throw GGUFError.wrongMetadataType(key: key, expected: "a string") }
        return s
    }

    /// An array of strings (e.g. `tokenizer.ggml.tokens`). - Throws when missing or not strings.
    public func requireStringArray(_ key: String) throws -> [String] {
        guard let v = metadata[key] else { throw GGUFError.missingMetadata(key) }
        guard let a = v.arrayValue else { throw GGUFError.wrongMetadataType(key: key, expected: "an array") }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for e in a {
            guard let s = e.stringValue else { throw GGUFError.wrongMetadataType(key: key, expected: "an array of strings") }
            out.append(s)
        }
        return out
    }

    /// An array of integers (e.g. `tokenizer.ggml.token_type`), or nil when absent.
    /// - Throws when present but not integers.
    public func intArray(_ key: String) throws -> [Int]? {
        guard let v = metadata[key] else { return nil }
        guard let a = v.arrayValue else { throw GGUFError.wrongMetadataType(key: key, expected: "an array") }
        return try a.map { e in
            guard let i = e.intValue else { throw GGUFError.wrongMetadataType(key: key, expected: "an array of integers") }
            return i
        }
    }
}
