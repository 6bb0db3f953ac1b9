import AugurModels
@testable import AugurServer
import XCTest

/// Slot choice by shared prefix, the queue bound, FIFO hand-over and cancellation while queued.
final class SlotPoolTests: XCTestCase {
    private func makePool(slots: Int, queue: Int) -> SlotPool {
        SlotPool(slots: (0..<slots).map { Slot(index: $0, cache: KVCache(capacity: 8, layerCount: 1, kvHeadCount: 1, headDim: 4)) },
                 queueLimit: queue)
    }

    func testPicksTheFreeSlotSharingTheLongestPrefix() async throws {
        let pool = makePool(slots: 3, queue: 0)
        let a = try await pool.acquire(prompt: [])
        let b = try await pool.acquire(prompt: [])
        let c = try await pool.acquire(prompt: [])
        a.cachedTokens = [1, 2]
        b.cachedTokens = [1, 2, 3, 4]
        c.cachedTokens = [9]
        [a, b, c].forEach(pool.release)
        let chosen = try await pool.acquire(prompt: [1, 2, 3, 7])
        XCTAssertEqual(chosen.index, b.index)
        let next = try await pool.acquire(prompt: [9, 9])
        XCTAssertEqual(next.index, c.index)
        XCTAssertEqual(pool.state.free, 1)
    }

    func testEqualPrefixesGoToTheLeastRecentlyUsedSlot() async throws {
        let pool = makePool(slots: 2, queue: 0)
        let first = try await pool.acquire(prompt: [5])
        pool.release(first)
        let second = try await pool.acquire(prompt: [5])
        XCTAssertNotEqual(second.index, first.index, "an idle slot is preferred when no prefix is shared")
        pool.release(second)
    }

    func testQueueBoundFIFOAndOverload() async throws {
        let pool = makePool(slots: 1, queue: 1)
        let held = try await pool.acquire(prompt: [1])
        let waiter = Task { try await pool.acquire(prompt: [2]).index }
        while pool.state.waiting == 0 { try await Task.sleep(nanoseconds: 1_000_000) }
        do {
            _ = try await pool.acquire(prompt: [3])
            XCTFail("a full queue must refuse")
        } catch let e as APIError {
            XCTAssertEqual(e.status, 429)
        }
        pool.release(held)
        let handedOver = try await waiter.value
        XCTAssertEqual(handedOver, held.index)
        XCTAssertEqual(pool.state.waiting, 0)
    }

    func testCancelledWaiterLeavesTheQueue() async throws {
        let pool = makePool(slots: 1, queue: 4)
        let held = try await pool.acquire(prompt: [])
        let waiter = Task { try await pool.acquire(prompt: []) }
        while pool.state.waiting == 0 { try await Task.sleep(nanoseconds: 1_000_000) }
        waiter.cancel()
        do {
            _ = try await waiter.value
            XCTFail("a cancelled waiter must not get a slot")
        } catch is CancellationError {}
        XCTAssertEqual(pool.state.waiting, 0)
        pool.release(held)
        XCTAssertEqual(pool.state.free, 1, "the slot goes back to the free list, not to the cancelled waiter")
    }
}
