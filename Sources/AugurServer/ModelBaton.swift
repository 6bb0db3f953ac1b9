import Foundation

/// A fair (first come, first served) lock that every forward pass of the served models goes through.
///
/// The models and their scratch buffers are not thread-safe, so at most one generation thread runs
/// model code at any time. Each generation holds the baton for its prefill and for one decode step
/// at a time; between steps it calls `yield()`, which hands the baton to the next waiting
/// generation (in ticket order) and queues behind it. Active slots therefore advance step by step
/// in round robin, and a long generation never starves a new request's prefill for longer than
/// one step of each active slot.
///
/// Blocking: `acquire` and `yield` block the calling thread (generation threads, never the
/// cooperative pool).
final class ModelBaton: @unchecked Sendable {
    private let condition = NSCondition()
    private var nextTicket = 0
    private var serving = 0

    /// Blocks until it is this caller's turn.
    func acquire() {
        condition.lock()
        let ticket = nextTicket
        nextTicket += 1
        while serving != ticket { condition.wait() }
        condition.unlock()
    }

    /// Passes the baton to the next ticket.
    func release() {
        condition.lock()
        serving += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Lets every thread already waiting run once, then returns holding the baton again
    /// (returns at once when nobody waits).
    func yield() {
        condition.lock()
        let others = nextTicket - serving - 1
        condition.unlock()
        guard others > 0 else { return }
        release()
        acquire()
    }
}
