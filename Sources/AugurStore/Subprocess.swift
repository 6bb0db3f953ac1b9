import Foundation

/// Runs helper programs (`python3`) for the store. Output goes to files or a pipe, never to an
/// undrained pipe, so a chatty child cannot deadlock us.
enum Subprocess {
    /// Starts `arguments[0]` looked up on `PATH` (via `/usr/bin/env`).
    ///
    /// - Parameters:
    ///   - stdout: where the child's standard output goes (a `FileHandle` or `Pipe`).
    ///   - stderrPath: file that receives the child's standard error.
    ///   - environment: variables added to (or replacing) ours.
    static func start(_ arguments: [String], stdout: Any, stderrPath: String,
                      environment: [String: String] = [:]) throws -> Process {
        guard FileManager.default.createFile(atPath: stderrPath, contents: nil),
              let err = FileHandle(forWritingAtPath: stderrPath)
        else { throw ModelStoreError.io(operation: "create", path: stderrPath, reason: "cannot create file") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = stdout
        p.standardError = err
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        do {
            try p.run()
        } catch {
            throw ModelStoreError.toolUnavailable(tool: arguments.first ?? "?", reason: "\(error)")
        }
        try? err.close()
        return p
    }

    /// The last `lines` lines of the text file at `path` (empty when unreadable).
    static func tail(of path: String, lines: Int = 12) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        let text = String(decoding: data, as: UTF8.self)
        let all = text.split(separator: "\n", omittingEmptySubsequences: true)
        return all.suffix(lines).joined(separator: "\n")
    }

    /// Total size in bytes of the regular files below `directory` (0 when it does not exist).
    static func treeSize(_ directory: String) -> Int64 {
        guard let e = FileManager.default.enumerator(atPath: directory) else { return 0 }
        var total: Int64 = 0
        while let rel = e.nextObject() as? String {
            if let attrs = try? FileManager.default.attributesOfItem(atPath: directory + "/" + rel),
               attrs[.type] as? FileAttributeType == .typeRegular,
               let size = attrs[.size] as? NSNumber {
                total += size.int64Value
            }
        }
        return total
    }
}

/// The Python interpreter the store runs: `AUGUR_PYTHON`, else `python3` from `PATH`.
var pythonExecutable: String {
    if let p = ProcessInfo.processInfo.environment["AUGUR_PYTHON"], !p.isEmpty { return p }
    return "python3"
}
