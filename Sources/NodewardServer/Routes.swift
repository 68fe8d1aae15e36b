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
                return json(sidecar.decide([step])[0])
            }
        }
        router.post("/v1/decisions/batch") { request, _ in
            try await timed(sidecar, route: "batch") {
                let bytes = try await body(of: request, sidecar: sidecar)
                let steps = try DecisionRequestDecoder.batch(bytes, maxSteps: sidecar.configuration.maxBatchSteps)
                return json(BatchResponse(results: sidecar.decide(steps)))
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

    /// Runs a decision handler, turning `APIError`s into JSON error responses and timing the rest.
    static func timed(_ sidecar: ShadowSidecar, route: String, _ handler: () async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await handler()
            sidecar.observeLatency(route: route, nanoseconds: (ContinuousClock.now - start).nanoseconds)
            return response
        } catch let error as APIError {
            sidecar.rejected(status: error.status)
            sidecar.logger.notice("request rejected", metadata: ["route": "\(route)", "status": "\(error.status)", "reason": "\(error.reason)"])
            return errorResponse(error)
        }
    }

    /// The body, at most `maxBodyBytes` (413 beyond: a declared length is refused before reading).
    static func body(of request: Request, sidecar: ShadowSidecar) async throws -> [UInt8] {
        let limit = sidecar.configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(status: 413, reason: "the body is \(declared) bytes, over the limit of \(limit)")
        }
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(status: 413, reason: "the body is over the limit of \(limit) bytes")
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: APIJSON.encode(value))))
    }

    static func errorResponse(_ error: APIError) -> Response {
        json(ErrorBody(error: error.reason, status: error.status), status: HTTPResponse.Status(code: error.status))
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
