/// One row of `augur models`: a known model (cached or not) or another `.gguf` file in the cache.
public struct ModelListingRow: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// In the cache with the registry size.
        case cached
        /// Known, not in the cache.
        case notCached = "not cached"
        /// In the cache with the wrong size (a later pull replaces it).
        case incomplete
        /// A `.gguf` file in the cache that is not in the registry.
        case local
    }

    public let name: String
    public let status: Status
    /// Size on disk, or the registry size when not cached.
    public let size: Int64
    /// Path on disk (nil when not cached).
    public let path: String?
    public let summary: String
}

extension ModelStore {
    /// Known models in registry order, then other `.gguf` files of the cache by name.
    public func listing() -> [ModelListingRow] {
        let cached = cachedModels()
        var rows: [ModelListingRow] = ModelRegistry.known.map { spec in
            if let c = cached.first(where: { $0.name == spec.name }) {
                return ModelListingRow(name: spec.name, status: c.isComplete ? .cached : .incomplete,
                                       size: c.size, path: c.path, summary: spec.summary)
            }
            return ModelListingRow(name: spec.name, status: .notCached, size: spec.size, path: nil, summary: spec.summary)
        }
        for c in cached where c.spec == nil {
            rows.append(ModelListingRow(name: c.name, status: .local, size: c.size, path: c.path, summary: "local file"))
        }
        return rows
    }

    /// The `augur models` table: name, size, status, description, then the cache directory.
    public func listingText() -> String {
        let rows = listing()
        let nameWidth = max(4, rows.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        var lines = [pad("NAME", nameWidth) + "  " + pad("SIZE", 9) + "  " + pad("STATUS", 10) + "  DESCRIPTION"]
        for r in rows {
            lines.append(pad(r.name, nameWidth) + "  " + pad(formatBytes(r.size), 9) + "  "
                         + pad(r.status.rawValue, 10) + "  " + r.summary)
        }
        lines.append("cache: \(directory)")
        return lines.joined(separator: "\n")
    }
}
