import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `<name>.gguf.partial` file a pull writes into: exclusively locked, truncated on open, and
/// either renamed into place by `commit` or removed by `discard`.
///
/// The lock (`flock`, released by the kernel when the process dies) keeps two concurrent pulls of
/// the same model apart; a stale partial file left by a killed process is simply truncated.
final class PartialFile {
    let path: String
    private var fd: Int32

    /// Opens (creating if needed), locks and truncates `path`.
    ///
    /// - Throws: `ModelStoreError.pullInProgress` when another process holds the lock, `.io` otherwise.
    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelStoreError.io(operation: "create", path: path, reason: errnoText()) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            fd = -1
            throw ModelStoreError.pullInProgress(path: path)
        }
        guard ftruncate(fd, 0) == 0 else {
            let reason = errnoText()
            discard()
            throw ModelStoreError.io(operation: "truncate", path: path, reason: reason)
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends all of `bytes` (retrying short writes).
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc_write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ModelStoreError.io(operation: "write", path: path, reason: errnoText())
            }
            offset += n
        }
    }

    /// Flushes to disk and atomically renames the file to `final` (replacing any file there).
    func commit(to final: String) throws {
        guard fsync(fd) == 0 else { throw ModelStoreError.io(operation: "fsync", path: path, reason: errnoText()) }
        guard rename(path, final) == 0 else {
            throw ModelStoreError.io(operation: "rename to \(final)", path: path, reason: errnoText())
        }
        // Make the rename itself durable.
        let dir = (final as NSString).deletingLastPathComponent
        let dfd = open(dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
        close(fd)
        fd = -1
    }

    /// Removes the partial file (while still holding its lock) and closes it.
    func discard() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

/// `write(2)`, named apart from `PartialFile.write`.
@inline(__always)
private func Glibc_write(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buf, count)
    #else
    return Darwin.write(fd, buf, count)
    #endif
}
