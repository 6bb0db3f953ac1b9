/// Vocabulary lookup by exact UTF-8 bytes: open addressing, linear probing, FNV-1a hashes.
///
/// Swift `String` keys would compare by canonical equivalence (two different byte spellings of
/// "é" are equal) and hash through Unicode normalization, which is both wrong for vocabulary
/// entries and slow (it dominated the load time of the 151,936-token Qwen vocabulary). Keys here
/// are compared byte for byte, as llama.cpp's `std::string` map does.
struct ByteStringTable {
    /// All keys' bytes, concatenated; key `i` is `storage[offsets[i]..<offsets[i + 1]]`.
    private var storage: [UInt8] = []
    private var offsets: [Int32] = [0]
    /// Slot → key index, or -1 when empty. Capacity is a power of two, at least twice the key count.
    private var slots: [Int32]
    private let mask: Int

    /// Builds the table of `keys[i] → i`. When a key repeats, the last index wins.
    init(keys: [String]) {
        var cap = 16
        while cap < keys.count * 2 { cap <<= 1 }
        slots = [Int32](repeating: -1, count: cap)
        mask = cap - 1
        storage.reserveCapacity(keys.count * 8)
        offsets.reserveCapacity(keys.count + 1)
        for (i, key) in keys.enumerated() {
            var key = key
            key.makeContiguousUTF8()
            key.utf8.withContiguousStorageIfAvailable { bytes in
                storage.append(contentsOf: bytes)
                offsets.append(Int32(storage.count))
                insert(bytes, index: Int32(i))
            }
        }
    }

    private mutating func insert(_ key: UnsafeBufferPointer<UInt8>, index: Int32) {
        var slot = Self.hash(key) & mask
        while slots[slot] >= 0 {
            if equals(Int(slots[slot]), key) { break }
            slot = (slot + 1) & mask
        }
        slots[slot] = index
    }

    /// The index of the key spelled by `key`, or nil.
    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        var slot = Self.hash(key) & mask
        while true {
            let i = slots[slot]
            if i < 0 { return nil }
            if equals(Int(i), key) { return i }
            slot = (slot + 1) & mask
        }
    }

    /// The index of the key spelled `text`, or nil.
    func find(_ text: String) -> Int32? {
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { find($0) } ?? nil
    }

    @inline(__always)
    private func equals(_ i: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = Int(offsets[i]), end = Int(offsets[i + 1])
        guard end - start == key.count else { return false }
        var k = 0
        while k < key.count {
            if storage[start + k] != key[k] { return false }
            k += 1
        }
        return true
    }

    /// FNV-1a, 64-bit (Fowler, Noll, Vo), folded so that the low bits mix in the high ones.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }
}

/// Map from a pair of token ids to a merge (rank and merged id): open addressing on 64-bit keys
/// with a Fibonacci hash. Faster to build and probe than `Dictionary` in the BPE inner loop.
struct TokenPairTable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private let shift: UInt64
    private let mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    /// An empty table with room for `capacity` pairs.
    init(capacity: Int) {
        var bits: UInt64 = 4
        while (1 << bits) < capacity * 2 { bits += 1 }
        keys = [UInt64](repeating: Self.empty, count: 1 << bits)
        values = [UInt64](repeating: 0, count: 1 << bits)
        shift = 64 - bits
        mask = (1 << bits) - 1
    }

    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Inserts `value` for `key` unless the key is already present (the first insertion wins).
    mutating func insertIfAbsent(_ key: UInt64, _ value: UInt64) {
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while keys[slot] != Self.empty {
            if keys[slot] == key { return }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = value
        count += 1
    }

    @inline(__always)
    func find(_ key: UInt64) -> UInt64? {
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == Self.empty { return nil }
            slot = (slot + 1) & mask
        }
    }
}
