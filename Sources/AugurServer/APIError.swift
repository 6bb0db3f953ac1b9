import Foundation

/// An error answered to an HTTP client, in OpenAI's shape:
/// `{"error": {"message": "...", "type": "invalid_request_error", "param": "temperature", "code": null}}`.
///
/// Every error that comes from a request (bad JSON, wrong types, values out of range, an unknown
/// model, a full server) is one of these; the server keeps serving after any of them.
public enum APIError: Error, Equatable, CustomStringConvertible {
    /// The body is not JSON (400).
    case malformedJSON(String)
    /// A known field has the wrong JSON type or a value out of range (400); `field` is its name.
    case invalidField(String, String)
    /// Anything else wrong with the request (400), optionally naming a parameter.
    case invalidRequest(String, param: String?)
    /// The prompt does not fit the context (400, code `context_length_exceeded`).
    case contextLengthExceeded(promptTokens: Int, contextSize: Int)
    /// The `model` field names a model this server does not serve (404, code `model_not_found`).
    case modelNotFound(String)
    /// Every slot is busy and the waiting queue is full (429 with `Retry-After`).
    case overloaded(retryAfterSeconds: Int)
    /// The models are still loading (503 with `Retry-After`).
    case loading
    /// The body exceeds the server's limit (413).
    case bodyTooLarge(limitBytes: Int)
    /// A failure inside the engine (500): a model or sampling error that is not the client's fault.
    case internalError(String)

    /// HTTP status code.
    public var status: Int {
        switch self {
        case .malformedJSON, .invalidField, .invalidRequest, .contextLengthExceeded: return 400
        case .modelNotFound: return 404
        case .bodyTooLarge: return 413
        case .overloaded: return 429
        case .loading: return 503
        case .internalError: return 500
        }
    }

    /// OpenAI's `error.type`.
    public var type: String {
        switch self {
        case .overloaded: return "rate_limit_error"
        case .loading: return "service_unavailable"
        case .internalError: return "server_error"
        default: return "invalid_request_error"
        }
    }

    /// OpenAI's `error.code` (nil where OpenAI sends null).
    public var code: String? {
        switch self {
        case .malformedJSON: return "invalid_json"
        case .contextLengthExceeded: return "context_length_exceeded"
        case .modelNotFound: return "model_not_found"
        case .overloaded: return "rate_limit_exceeded"
        default: return nil
        }
    }

    /// OpenAI's `error.param`: the offending field.
    public var param: String? {
        switch self {
        case .invalidField(let f, _): return f
        case .invalidRequest(_, let p): return p
        case .contextLengthExceeded: return "messages"
        case .modelNotFound: return "model"
        default: return nil
        }
    }

    /// Seconds for a `Retry-After` header, for the statuses that invite a retry.
    public var retryAfter: Int? {
        switch self {
        case .overloaded(let s): return s
        case .loading: return 5
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .malformedJSON(let m): return m
        case .invalidField(let f, let m): return "'\(f)' \(m)"
        case .invalidRequest(let m, _): return m
        case .contextLengthExceeded(let n, let c):
            return "the prompt has \(n) tokens but the context holds \(c) (the server's --ctx); shorten the prompt"
        case .modelNotFound(let m): return "the model '\(m)' does not exist on this server (see GET /v1/models)"
        case .overloaded: return "all generation slots are busy and the queue is full; retry later"
        case .loading: return "the model is still loading; retry later"
        case .bodyTooLarge(let n): return "the request body exceeds \(n) bytes"
        case .internalError(let m): return "internal error: \(m)"
        }
    }

    /// The JSON body: `{"error": {...}}`.
    public var body: [String: Any] {
        ["error": ["message": description, "type": type, "param": param ?? NSNull(), "code": code ?? NSNull()] as [String: Any]]
    }
}
