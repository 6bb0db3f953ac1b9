/// Finds stop strings in streamed text and decides what may be shown.
///
/// Text arrives in pieces (one per token). A stop string may span pieces, so the matcher holds back
/// the longest tail of the text that could still be the start of a stop string, and releases it once
/// it cannot. When a stop string completes, only the text before it is released; the stop string and
/// everything after it never are. Matching is on UTF-8 bytes (no Unicode normalisation), so "\n"
/// matches inside "\r\n" as a user expects.
///
/// ```swift
/// var m = StopMatcher(["</s>", "\n\n"])
/// m.feed("Hello </").text     // "Hello "   ("</" is held back)
/// m.feed("s> more")           // text "", stop "</s>"
/// ```
public struct StopMatcher: Sendable {
    /// Result of one `feed`.
    public struct Output: Sendable, Equatable {
        /// Text safe to emit now (may be empty).
        public var text: String
        /// The stop string that completed, if any; generation should end.
        public var stop: String?

        public init(text: String, stop: String? = nil) {
            self.text = text
            self.stop = stop
        }
    }

    /// The stop strings (empty strings dropped).
    public let stopStrings: [String]
    private let patterns: [[UInt8]]
    /// Bytes received but not yet emitted (a possible stop-string prefix).
    private var held: [UInt8] = []
    /// Set once a stop string matched; later input is ignored.
    public private(set) var stopped: String?

    public init(_ stopStrings: [String]) {
        self.stopStrings = stopStrings.filter { !$0.isEmpty }
        patterns = self.stopStrings.map { Array($0.utf8) }
    }

    /// The text held back so far (a prefix of some stop string).
    public var heldText: String { String(decoding: held, as: UTF8.self) }

    /// Adds `piece` and returns what can be emitted, and the stop string if one completed.
    public mutating func feed(_ piece: String) -> Output {
        guard stopped == nil else { return Output(text: "", stop: stopped) }
        held.append(contentsOf: piece.utf8)
        guard !patterns.isEmpty else { return Output(text: flushHeld()) }

        // Earliest completed stop string; at equal starts, the first listed.
        var match: (start: Int, index: Int)?
        for (k, pattern) in patterns.enumerated() {
            if let s = firstIndex(of: pattern, in: held), s < (match?.start ?? Int.max) { match = (s, k) }
        }
        if let m = match {
            let text = String(decoding: held[..<m.start], as: UTF8.self)
            held.removeAll()
            stopped = stopStrings[m.index]
            return Output(text: text, stop: stopped)
        }
        // Hold back the longest suffix that is a proper prefix of some stop string.
        var keep = 0
        for pattern in patterns {
            for len in stride(from: min(pattern.count - 1, held.count), to: keep, by: -1)
            where held[(held.count - len)...].elementsEqual(pattern[..<len]) {
                keep = len
                break
            }
        }
        let text = String(decoding: held[..<(held.count - keep)], as: UTF8.self)
        held.removeFirst(held.count - keep)
        return Output(text: text)
    }

    /// Ends the stream (end-of-generation token, length limit): returns the held-back text, which
    /// can no longer become a stop string. Empty after a stop.
    public mutating func finish() -> String {
        guard stopped == nil else { return "" }
        return flushHeld()
    }

    private mutating func flushHeld() -> String {
        let text = String(decoding: held, as: UTF8.self)
        held.removeAll()
        return text
    }

    private func firstIndex(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard pattern.count <= bytes.count else { return nil }
        for s in 0...(bytes.count - pattern.count) where bytes[s] == pattern[0] {
            if bytes[s..<(s + pattern.count)].elementsEqual(pattern) { return s }
        }
        return nil
    }
}
