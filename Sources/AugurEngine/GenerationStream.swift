import AugurModels
import Foundation

/// What `Generator.stream` yields: text pieces as they become final, then the result.
public enum GenerationEvent: Sendable {
    case text(String)
    case finished(GenerationResult)
}

extension Generator {
    /// `generate` as an async sequence, for servers and UIs.
    ///
    /// The generation runs on its own thread (it is long, blocking CPU work that must not occupy the
    /// cooperative pool). Ending the iteration early (or cancelling the consuming task) stops it at the
    /// next decode step, with finish reason `.cancelled`. The generator and cache must not be used by
    /// anything else until the stream has finished.
    ///
    /// ```swift
    /// for try await event in gen.stream(prompt: ids, cache: cache, parameters: p) {
    ///     if case .text(let piece) = event { send(piece) }
    /// }
    /// ```
    public func stream(prompt: [Int32], cache: KVCache, reusedPrefix: Int = 0,
                       parameters: GenerationParameters) -> AsyncThrowingStream<GenerationEvent, Error> {
        let job = StreamJob(generator: self, cache: cache)
        return AsyncThrowingStream { continuation in
            continuation.onTermination = { _ in job.cancel() }
            let thread = Thread {
                do {
                    let result = try job.generator.generate(
                        prompt: prompt, cache: job.cache, reusedPrefix: reusedPrefix, parameters: parameters,
                        shouldContinue: { !job.isCancelled },
                        onText: { continuation.yield(.text($0)) })
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// Carries the non-Sendable generator and cache to the generation thread, plus a cancel flag.
private final class StreamJob: @unchecked Sendable {
    let generator: Generator
    let cache: KVCache
    private let lock = NSLock()
    private var cancelled = false

    init(generator: Generator, cache: KVCache) {
        self.generator = generator
        self.cache = cache
    }

    var isCancelled: Bool { lock.withLock { cancelled } }
    func cancel() { lock.withLock { cancelled = true } }
}
