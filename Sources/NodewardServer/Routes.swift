import Foundation
import Hummingbird
import NodewardCore

/// The HTTP surface (docs/shadow-api.openapi.yaml). Handlers are thin: read the bounded body, decode,
/// ask the sidecar, encode. Payloads never reach logs or error reasons.
public enum SidecarRoutes {
    public static func router(_ sidecar: ShadowSidecar) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: BearerTokenMiddleware(token: sidecar.configuration.token, sidecar: sidecar))
        router.get("/healthz") { _, _ in json(["status": "ok"]) }
        router.post("/v1/decisions") { request, _ in
            try await timed(sidecar, route: "decisions") {
                let bytes = try await body(of: request, sidecar: sidecar)
                let step = try DecisionRequestDecoder.single(bytes)
                return jsonBytes(ResponseJSON.single(try await sidecar.respond([step])[0]))
            }
        }
        router.post("/v1/decisions/batch") { request, _ in
            try await timed(sidecar, route: "batch") {
                let bytes = try await body(of: request, sidecar: sidecar)
                let steps = try DecisionRequestDecoder.batch(bytes, maxSteps: sidecar.configuration.maxBatchSteps)
                return jsonBytes(ResponseJSON.batch(try await sidecar.respond(steps)))
            }
        }
        router.post("/v1/reload") { _, _ in
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

    /// The body, at most `maxBodyBytes` (413 beyond: a declared length is refused before reading),
    /// in full within `bodyTimeout` (408 beyond). The deadline is checked as chunks arrive; a client
    /// that stops sending altogether is cut off by the connection's idle timeout.
    static func body(of request: Request, sidecar: ShadowSidecar) async throws -> [UInt8] {
        let limit = sidecar.configuration.maxBodyBytes
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if let declared, declared > limit {
            throw APIError(status: 413, reason: "the body is \(declared) bytes, over the limit of \(limit)")
        }
        let deadline = ContinuousClock.now + sidecar.configuration.bodyTimeout
        var bytes: [UInt8] = []
        bytes.reserveCapacity(declared ?? 4_096)
        for try await chunk in request.body {
            guard bytes.count + chunk.readableBytes <= limit else {
                throw APIError(status: 413, reason: "the body is over the limit of \(limit) bytes")
            }
            bytes.append(contentsOf: chunk.readableBytesView)
            if ContinuousClock.now > deadline {
                throw APIError(status: 408, reason: "the body did not arrive within \(sidecar.configuration.bodyTimeout)")
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
        var response = json(ErrorBody(error: error.reason, status: error.status), status: HTTPResponse.Status(code: error.status))
        if error.status == 503 { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}

/// `Authorization: Bearer <token>` on every route but `/healthz`, compared in constant time.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]?
    let sidecar: ShadowSidecar

    init(token: String?, sidecar: ShadowSidecar) {
        self.token = token.map { Array($0.utf8) }
        self.sidecar = sidecar
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, request.uri.path != "/healthz" else { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        let presented = header.hasPrefix(prefix) ? Array(header.utf8.dropFirst(prefix.utf8.count)) : []
        guard Self.constantTimeEqual(presented, token) else {
            sidecar.rejected(status: 401)
            sidecar.logger.notice("request rejected", metadata: ["path": "\(request.uri.path)", "status": "401"])
            var response = SidecarRoutes.errorResponse(APIError(status: 401, reason: "missing or wrong bearer token"))
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// Time depends on the lengths only, never on where the bytes first differ.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count) | (lhs.count == rhs.count ? 0 : 1)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
