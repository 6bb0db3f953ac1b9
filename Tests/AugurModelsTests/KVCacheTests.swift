import AugurModels
import XCTest

final class KVCacheTests: XCTestCase {
    func testStoreLaysOutHeadsAndPositions() {
        let cache = KVCache(capacity: 4, layerCount: 2, kvHeadCount: 2, headDim: 3)
        XCTAssertEqual(cache.byteCount, 2 * 2 * 2 * 4 * 3 * 2)
        let k: [Float] = [1, 2, 3, 4, 5, 6], v: [Float] = [-1, -2, -3, -4, -5, -6]
        cache.store(layer: 1, position: 2, key: k, value: v)
        let keys = cache.keys(layer: 1), values = cache.values(layer: 1)
        // Head h, position p, element i at h·capacity·headDim + p·headDim + i.
        XCTAssertEqual(Float(keys[0 * 12 + 2 * 3 + 1]), 2)
        XCTAssertEqual(Float(keys[1 * 12 + 2 * 3 + 0]), 4)
        XCTAssertEqual(Float(values[1 * 12 + 2 * 3 + 2]), -6)
        XCTAssertEqual(cache.count, 0)  // stored slots become positions only when advanced
    }

    func testAdvanceTruncateAndContextFull() throws {
        let cache = KVCache(capacity: 5, layerCount: 1, kvHeadCount: 1, headDim: 2)
        try cache.advance(by: 3)
        XCTAssertEqual(cache.count, 3)
        XCTAssertThrowsError(try cache.advance(by: 3)) { error in
            XCTAssertEqual(error as? ModelError, .contextFull(capacity: 5, used: 3, requested: 3))
        }
        XCTAssertEqual(cache.count, 3)
        try cache.advance(by: 2)
        XCTAssertEqual(cache.count, 5)
        cache.truncate(to: 1)
        XCTAssertEqual(cache.count, 1)
        XCTAssertNoThrow(try cache.checkRoom(for: 4))
        XCTAssertThrowsError(try cache.checkRoom(for: 5))
    }

    /// A count-only cache (for test doubles) tracks positions without storage.
    func testCountOnlyCache() throws {
        let cache = KVCache(capacity: 2)
        XCTAssertEqual(cache.byteCount, 0)
        try cache.advance(by: 2)
        XCTAssertThrowsError(try cache.advance(by: 1))
        cache.truncate(to: 0)
        XCTAssertEqual(cache.count, 0)
    }
}
