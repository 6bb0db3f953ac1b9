import Foundation

/// A parsed JSON document, kept exact enough to tell the types apart (a `true` is not a number, a
/// `"5"` is not an integer): request bodies are read through it so that every known field can be
/// checked for its type and reported by name (`APIError.invalidField`).
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in 64 bits.
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .integer(i); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    /// Parses a request body.
    /// - Throws: `APIError.malformedJSON` when `data` is not JSON, `.invalidRequest` when it is not an object.
    public static func parseObject(_ data: Data) throws -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw APIError.malformedJSON("the request body is not valid JSON")
        }
        guard case .object(let fields) = value else {
            throw APIError.invalidRequest("the request body must be a JSON object", param: nil)
        }
        return JSONObject(fields: fields)
    }

    /// The JSON type name used in error messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer, .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// Typed, named access to the fields of a JSON object. Every accessor returns nil for an absent
/// field or an explicit `null` (clients send both for "not given") and throws
/// `APIError.invalidField` naming the field (prefixed with `path`) for a value of the wrong type.
public struct JSONObject: Sendable {
    public let fields: [String: JSONValue]
    /// Prefix for field names in error messages, e.g. `speculative.`.
    var path = ""

    public init(fields: [String: JSONValue], path: String = "") {
        self.fields = fields
        self.path = path
    }

    private func present(_ key: String) -> JSONValue? {
        guard let v = fields[key], v != .null else { return nil }
        return v
    }

    private func wrongType(_ key: String, _ expected: String, _ got: JSONValue) -> APIError {
        .invalidField(path + key, "must be \(expected), got \(got.typeName)")
    }

    public func string(_ key: String) throws -> String? {
        guard let v = present(key) else { return nil }
        guard case .string(let s) = v else { throw wrongType(key, "a string", v) }
        return s
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let v = present(key) else { return nil }
        guard case .bool(let b) = v else { throw wrongType(key, "a boolean", v) }
        return b
    }

    /// A number (integers included).
    public func double(_ key: String) throws -> Double? {
        guard let v = present(key) else { return nil }
        switch v {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: throw wrongType(key, "a number", v)
        }
    }

    /// An integer; a number with a zero fraction (`5.0`) counts as one.
    public func int(_ key: String) throws -> Int? {
        guard let v = present(key) else { return nil }
        switch v {
        case .integer(let i): return Int(i)
        case .number(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: throw wrongType(key, "an integer", v)
        }
    }

    public func array(_ key: String) throws -> [JSONValue]? {
        guard let v = present(key) else { return nil }
        guard case .array(let a) = v else { throw wrongType(key, "an array", v) }
        return a
    }

    public func object(_ key: String) throws -> JSONObject? {
        guard let v = present(key) else { return nil }
        guard case .object(let o) = v else { throw wrongType(key, "an object", v) }
        return JSONObject(fields: o, path: path + key + ".")
    }

    /// A string or an array of strings (OpenAI's `stop`); a single string becomes a one-element list.
    public func stringList(_ key: String) throws -> [String]? {
        guard let v = present(key) else { return nil }
        switch v {
        case .string(let s): return [s]
        case .array(let items):
            return try items.map {
                guard case .string(let s) = $0 else { throw wrongType(key, "a string or an array of strings", $0) }
                return s
            }
        default: throw wrongType(key, "a string or an array of strings", v)
        }
    }
}
