/// The `capacity` entries with the largest keys among those offered, largest first; an entry whose
/// key equals a kept one goes after it (arrival order). O(offers · capacity): meant for the few
/// branches of a draft tree.
struct TopK<Element> {
    let capacity: Int
    private(set) var entries: [(element: Element, key: Float)] = []

    init(capacity: Int) {
        self.capacity = capacity
        entries.reserveCapacity(capacity + 1)
    }

    /// Keeps `element` if `key` is among the `capacity` largest so far.
    mutating func offer(_ element: Element, key: Float) {
        guard capacity > 0 else { return }
        if entries.count == capacity && key <= entries[capacity - 1].key { return }
        var at = entries.count
        while at > 0 && entries[at - 1].key < key { at -= 1 }
        entries.insert((element, key), at: at)
        if entries.count > capacity { entries.removeLast() }
    }
}
