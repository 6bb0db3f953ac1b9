import Foundation
import Logging

/// Routes swift-log output of the libraries to standard error, so that standard output carries only
/// generated text. Level: `AUGUR_LOG_LEVEL` (trace, debug, info, notice, warning, error, critical),
/// `warning` by default; `--verbose` raises it to `info`.
enum CLILogging {
    private static let once: Void = {
        let env = ProcessInfo.processInfo.environment["AUGUR_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = requestedLevel ?? env ?? .warning
            return handler
        }
    }()
    nonisolated(unsafe) private static var requestedLevel: Logger.Level?

    /// Installs the stderr handler once per process; `verbose` asks for `info` level.
    static func bootstrap(verbose: Bool = false) {
        if verbose { requestedLevel = .info }
        _ = once
    }
}
