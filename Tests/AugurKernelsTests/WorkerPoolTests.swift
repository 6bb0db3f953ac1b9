@testable import AugurKernels
import AugurKernelsC
import Dispatch
import Foundation
import XCTest

/// The worker pool behind every parallel product: each part of a job runs exactly once, part 0 on
/// the caller, also when the workers have gone to sleep, when several threads submit jobs at once,
/// and when a part submits a job of its own.
final class WorkerPoolTests: XCTestCase {
    /// Per-part call counts, incremented atomically (a part run twice at once would still count 2).
    final class Counts: @unchecked Sendable {
        let slots: UnsafeMutablePointer<Int32>
        let count: Int
        init(_ count: Int) {
            self.count = count
            slots = .allocate(capacity: max(1, count))
            slots.initialize(repeating: 0, count: max(1, count))
        }
        deinit { slots.deallocate() }
        func hit(_ i: Int) { _ = augur_atomic_fetch_add(slots + i, 1) }
        var values: [Int32] { (0..<count).map { slots[$0] } }
    }

    /// Runs `parts` parts and checks each ran once.
    func checkJob(parts: Int, file: StaticString = #filePath, line: UInt = #line) {
        let counts = Counts(parts)
        WorkerPool.run(parts: parts) { counts.hit($0) }
        XCTAssertEqual(counts.values, Array(repeating: 1, count: parts), "parts \(parts)", file: file, line: line)
    }

    func testEveryPartRunsOnceForEachSize() {
        let sizes = Array(0...(WorkerPool.workerCount + 1)) + [WorkerPool.workerCount + 2, 9]
        for _ in 0..<500 {
            for parts in sizes { checkJob(parts: parts) }
        }
    }

    func testPartZeroRunsOnTheCallerAndTheOthersOnWorkers() throws {
        try XCTSkipIf(WorkerPool.workerCount == 0, "one core: the pool has no workers")
        let caller = pthread_self()
        let parts = WorkerPool.workerCount + 1
        var threads = [pthread_t?](repeating: nil, count: parts)
        threads.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            WorkerPool.run(parts: parts) { base[$0] = pthread_self() }
        }
        XCTAssertNotNil(threads[0])
        XCTAssertNotEqual(pthread_equal(threads[0]!, caller), 0, "part 0 ran on another thread")
        for k in 1..<parts {
            XCTAssertEqual(pthread_equal(threads[k]!, caller), 0, "part \(k) ran on the caller")
        }
    }

    func testJobsAfterTheWorkersFellAsleep() {
        // Workers poll ~2 ms after a job, then wait on a condition variable: jobs after a pause
        // must wake them (a lost wake-up would hang here).
        for pause in [0, 1, 3, 10, 3, 0] {
            if pause > 0 { usleep(useconds_t(pause * 1000)) }
            checkJob(parts: WorkerPool.workerCount + 1)
        }
    }

    func testConcurrentCallersAllComplete() {
        // Jobs from several threads at once: one runs on the pool, the others fall back.
        let callers = 4, jobs = 300
        let failures = Counts(1)
        DispatchQueue.concurrentPerform(iterations: callers) { c in
            for j in 0..<jobs {
                let parts = 1 + (c + j) % (WorkerPool.workerCount + 2)
                let counts = Counts(parts)
                WorkerPool.run(parts: parts) { counts.hit($0) }
                if counts.values != Array(repeating: 1, count: parts) { failures.hit(0) }
            }
        }
        XCTAssertEqual(failures.values[0], 0)
    }

    func testNestedJobRunsInsideAPart() {
        let parts = WorkerPool.workerCount + 1
        let outer = Counts(parts), inner = Counts(parts * 3)
        WorkerPool.run(parts: parts) { p in
            outer.hit(p)
            WorkerPool.run(parts: 3) { inner.hit(p * 3 + $0) }
        }
        XCTAssertEqual(outer.values, Array(repeating: 1, count: parts))
        XCTAssertEqual(inner.values, Array(repeating: 1, count: parts * 3))
    }

    func testForEachVisitsEveryIndexOnce() {
        for count in [0, 1, 2, 3, 7, 100, 1000] {
            let counts = Counts(count)
            WorkerPool.forEach(count) { i, part in
                XCTAssertLessThan(part, WorkerPool.workerCount + 1)
                counts.hit(i)
            }
            XCTAssertEqual(counts.values, Array(repeating: 1, count: count), "count \(count)")
        }
    }

    func testParallelRowsCoverEveryRowOnce() {
        for rows in [1, 15, 16, 17, 100, 1536, 8960] {
            for threads in [1, 2, 3] {
                let counts = Counts(rows)
                ParallelRows.run(rows: rows, threads: threads) { r0, r1, worker in
                    XCTAssertLessThan(worker, threads)
                    for r in r0..<r1 { counts.hit(r) }
                }
                XCTAssertEqual(counts.values, Array(repeating: 1, count: rows), "rows \(rows), threads \(threads)")
            }
        }
        let sizes = [1536, 256, 256, 17]
        let counts = (0..<sizes.count).map { Counts(sizes[$0]) }
        ParallelRows.run(segmentCount: sizes.count, rows: { sizes[$0] }, threads: 2) { s, r0, r1 in
            for r in r0..<r1 { counts[s].hit(r) }
        }
        for s in sizes.indices {
            XCTAssertEqual(counts[s].values, Array(repeating: 1, count: sizes[s]), "segment \(s)")
        }
    }
}
