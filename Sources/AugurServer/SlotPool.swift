import AugurEngine
import AugurModels
import AugurSampling
import AugurSpeculative
import Foundation

/// One generation slot: a KV cache of the server's context size, the token ids it holds, and (for
/// greedy requests with a draft model) the speculative step whose draft cache can be reused.
///
/// A slot belongs to one generation at a time (`SlotPool` hands it out); between generations its
/// cache keeps the last prompt and reply, so the next request sharing that prefix prefills only
/// the rest.
final class Slot: @unchecked Sendable {
    let index: Int
    /// Target KV cache, `contextSize` positions (allocated once at start).
    let cache: KVCache
    /// The ids whose K/V `cache` holds, position by position (`cachedTokens.count == cache.count`).
    var cachedTokens: [Int32] = []
    /// A greedy speculative step kept for the next request with the same settings (its drafter's
    /// cache then keeps the shared prefix too).
    var reusableStep: (key: StepKey, step: any DecodeStep)?
    /// Order of last use, for choosing among slots with equal shared prefixes.
    var lastUsed: UInt64 = 0

    init(index: Int, cache: KVCache) {
        self.index = index
        self.cache = cache
    }
}

/// What makes a speculative step reusable across requests: equal settings, sampling and drafter.
struct StepKey: Equatable {
    var settings: SpeculationSettings
    var sampling: SamplingParameters
    var draft: String
}

/// Hands out slots: a free slot at once (the one sharing the longest prefix with the prompt, then
/// the least recently used), otherwise a place in a bounded FIFO queue, otherwise
/// `APIError.overloaded` (429).
///
/// A waiting request that is cancelled (its client went away) leaves the queue. Thread-safe.
final class SlotPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Slot]
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Slot, Error>)] = []
    private var nextID: UInt64 = 0
    private var clock: UInt64 = 0
    /// Total slots.
    let count: Int
    /// Most requests that may wait for a slot; one more is refused with 429.
    let queueLimit: Int
    /// Called with (busy slots, waiting requests) after every change (for the metrics).
    var onChange: @Sendable (Int, Int) -> Void = { _, _ in }

    init(slots: [Slot], queueLimit: Int) {
        free = slots
        count = slots.count
        self.queueLimit = queueLimit
    }

    /// Slots not in use and requests waiting, right now.
    var state: (free: Int, waiting: Int) { lock.withLock { (free.count, waiters.count) } }

    /// Takes a slot for `prompt`, waiting in the queue when all are busy.
    /// - Throws: `APIError.overloaded` when the queue is full; `CancellationError` when the task is
    ///   cancelled while waiting.
    func acquire(prompt: [Int32]) async throws -> Slot {
        let id = lock.withLock { () -> UInt64 in nextID += 1; return nextID }
        let slot = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Slot, Error>) in
                lock.lock()
                if let i = bestFreeSlot(for: prompt) {
                    let s = free.remove(at: i)
                    lock.unlock()
                    c.resume(returning: s)
                } else if Task.isCancelled {
                    lock.unlock()
                    c.resume(throwing: CancellationError())
                } else if waiters.count >= queueLimit {
                    lock.unlock()
                    c.resume(throwing: APIError.overloaded(retryAfterSeconds: 1 + waiters.count / max(1, count)))
                } else {
                    waiters.append((id, c))
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            if let i = waiters.firstIndex(where: { $0.id == id }) {
                let w = waiters.remove(at: i)
                lock.unlock()
                w.continuation.resume(throwing: CancellationError())
            } else {
                lock.unlock()
            }
            notify()
        }
        lock.withLock { clock += 1; slot.lastUsed = clock }
        notify()
        return slot
    }

    /// Returns `slot`: to the oldest waiting request, or to the free list.
    func release(_ slot: Slot) {
        lock.lock()
        if !waiters.isEmpty {
            let w = waiters.removeFirst()
            clock += 1
            slot.lastUsed = clock
            lock.unlock()
            w.continuation.resume(returning: slot)
        } else {
            free.append(slot)
            lock.unlock()
        }
        notify()
    }

    /// Index in `free` of the slot sharing the longest prefix with `prompt` (ties: least recently used).
    private func bestFreeSlot(for prompt: [Int32]) -> Int? {
        var best: (index: Int, shared: Int, used: UInt64)?
        for (i, s) in free.enumerated() {
            let shared = ChatSession.commonPrefixLength(s.cachedTokens, prompt)
            if best == nil || shared > best!.shared || (shared == best!.shared && s.lastUsed < best!.used) {
                best = (i, shared, s.lastUsed)
            }
        }
        return best?.index
    }

    private func notify() {
        let (f, w) = state
        onChange(count - f, w)
    }
}
