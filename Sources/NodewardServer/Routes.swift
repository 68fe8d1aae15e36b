import Foundation
import Hummingbird
import NodewardCore

/// The HTTP surface (docs/shadow-api.openapi.yaml). Handlers are thin: read the bounded body, decode,
/// ask the sidecar, encode. Payloads never reach logs or error reasons.
public enum SidecarRoutes {
    public static func router(_ sidecar: ShadowSidecar) -> Router<SidecarRequestContext> {
        let router = Router(context: SidecarRequestContext.self)
        router.add(middleware: CallerMiddleware(access: sidecar.configuration.access, sidecar: sidecar))
        router.get("/healthz") { _, _ in json(["status": "ok"]) }
        router.post("/v1/decisions") { request, context in
            try await timed(sidecar, route: "decisions") {
                try requireJSON(request)
                let bytes = try await body(of: request, sidecar: sidecar)
                let step = try DecisionRequestDecoder.single(bytes)
                return jsonBytes(ResponseJSON.single(try await sidecar.respond(single: step, caller: context.caller)))
            }
        }
        router.post("/v1/decisions/batch") { request, context in
            try await timed(sidecar, route: "batch") {
                try requireJSON(request)
                let bytes = try await body(of: request, sidecar: sidecar)
                let steps = try DecisionRequestDecoder.batch(bytes, maxSteps: sidecar.configuration.maxBatchSteps)
                return jsonBytes(ResponseJSON.batch(try await sidecar.respond(steps, caller: context.caller)))
            }
        }
        router.post("/v1/reload") { request, context in
            // A reload changes what every tenant is decided by: only a token for every tenant may ask.
            guard context.caller == .all else {
                return refuse(sidecar, APIError(status: 403, code: "reload-not-authorized",
                                                reason: "reloading needs a token valid for every tenant (a * grant)"))
            }
            if hasBody(request) {
                do throws(APIError) { try requireJSON(request) } catch { return refuse(sidecar, error) }
            }
            let outcome = sidecar.reload()
            return json(outcome, status: outcome.reloaded ? .ok : .unprocessableContent)
        }
        router.get("/v1/status") { _, _ in json(sidecar.status()) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: sidecar.metricsText())))
        }
        return router
    }

    /// Runs a decision handler when the in-flight limit admits it (503 otherwise), turning `APIError`s
    /// into JSON error responses and timing the rest.
    static func timed(_ sidecar: ShadowSidecar, route: String, _ handler: () async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        guard sidecar.admit() else {
            sidecar.rejected(status: 503)
            return errorResponse(.unavailable("\(sidecar.configuration.maxInFlight) decision requests are in flight; retry later"),
                                 retryAfter: sidecar.configuration.retryAfterSeconds)
        }
        defer { sidecar.leave() }
        do {
            let response = try await handler()
            sidecar.observeLatency(route: route, nanoseconds: (ContinuousClock.now - start).nanoseconds)
            return response
        } catch let error as APIError {
            sidecar.rejected(status: error.status)
            sidecar.logger.notice("request rejected", metadata: ["route": "\(route)", "status": "\(error.status)", "reason": "\(error.reason)"])
            return errorResponse(error, retryAfter: sidecar.configuration.retryAfterSeconds)
        }
    }

    /// A refused request: counted by status, logged without payload, answered with a JSON error.
    static func refuse(_ sidecar: ShadowSidecar, _ error: APIError, path: String? = nil) -> Response {
        sidecar.rejected(status: error.status)
        sidecar.logger.notice("request rejected", metadata: ["path": "\(path ?? "")", "status": "\(error.status)", "code": "\(error.code)"])
        return errorResponse(error, retryAfter: sidecar.configuration.retryAfterSeconds)
    }

    /// A request body must be declared JSON (`application/json`, parameters allowed): 415 otherwise.
    /// A browser page can send a "simple" cross-origin POST only as text/plain or a form, never as JSON.
    static func requireJSON(_ request: Request) throws(APIError) {
        let declared = request.headers[.contentType] ?? ""
        let mediaType = declared.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard mediaType == "application/json" else {
            throw APIError(status: 415, code: "unsupported-media-type", reason: "the body must be sent with Content-Type: application/json")
        }
    }

    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength] { return length != "0" }
        return request.headers[.transferEncoding] != nil
    }

    /// The body, at most `maxBodyBytes` (413 beyond: a declared length is refused before reading),
    /// in full within `bodyTimeout` (408 beyond). The deadline is checked as chunks arrive; a client
    /// that stops sending altogether is cut off by the connection's idle timeout.
    static func body(of request: Request, sidecar: ShadowSidecar) async throws -> [UInt8] {
        let limit = sidecar.configuration.maxBodyBytes
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if let declared, declared > limit {
            throw APIError.tooLarge("the body is \(declared) bytes, over the limit of \(limit)")
        }
        let deadline = ContinuousClock.now + sidecar.configuration.bodyTimeout
        var bytes: [UInt8] = []
        bytes.reserveCapacity(declared ?? 4_096)
        for try await chunk in request.body {
            guard bytes.count + chunk.readableBytes <= limit else {
                throw APIError.tooLarge("the body is over the limit of \(limit) bytes")
            }
            bytes.append(contentsOf: chunk.readableBytesView)
            if ContinuousClock.now > deadline {
                throw APIError(status: 408, code: "body-timeout", reason: "the body did not arrive within \(sidecar.configuration.bodyTimeout)")
            }
        }
        return bytes
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: APIJSON.encode(value))))
    }

    static func jsonBytes(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func errorResponse(_ error: APIError, retryAfter: Int = 1) -> Response {
        var response = json(ErrorBody(error: error.reason, code: error.code, status: error.status), status: HTTPResponse.Status(code: error.status))
        if error.status == 503 { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}

/// The request context: who the caller is, as the caller middleware established it.
public struct SidecarRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The tenants the caller's token may speak for (every tenant when the server runs unauthenticated).
    public var caller: TenantScope = .all

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

/// On every route: a request carrying `Origin` comes from a browser page, never from an enforcement
/// point, so it is refused (403) before anything else; then `Authorization: Bearer <token>` on every
/// route but `/healthz` (401 when it matches no grant), which sets the caller's tenant scope.
struct CallerMiddleware: RouterMiddleware {
    typealias Context = SidecarRequestContext
    let access: SidecarAccess
    let sidecar: ShadowSidecar

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.headers[.origin] != nil {
            return SidecarRoutes.refuse(sidecar, APIError(status: 403, code: "origin-not-allowed",
                                                          reason: "requests from browser pages (with an Origin header) are refused"),
                                        path: request.uri.path)
        }
        guard request.uri.path != "/healthz" else { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        let presented = header.hasPrefix(prefix) ? Array(header.utf8.dropFirst(prefix.utf8.count)) : []
        guard let scope = access.scope(presented: presented) else {
            var response = SidecarRoutes.refuse(sidecar, APIError(status: 401, code: "unauthorized", reason: "missing or wrong bearer token"),
                                                path: request.uri.path)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        var context = context
        context.caller = scope
        return try await next(request, context)
    }
}
