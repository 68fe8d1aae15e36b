import Testing
@testable import NodewardCore

@Suite struct LegacyRateLimitTests {
    typealias F = LegacyFixture

    static let rpm60 = F.sandbox(limits: LimitsConfig(requestsPerMinute: 60))

    func llm(at nanos: Int64, tokens: Int) -> Step {
        F.step(.llm, "gpt-4.1", at: nanos, tokens: TokenUsage(input: tokens, output: 0))
    }

    @Test func burstAllowsExactlyTheCapacityThenRefillsContinuously() {
        var evaluator = LegacyEvaluator(sandbox: Self.rpm60)
        // 100 steps within one second (10 ms apart): 60 from the full bucket plus refill of at most 1.
        var effects: [Effect] = []
        for index in 0..<100 {
            effects.append(evaluator.evaluate(F.step(.llm, "gpt-4.1", at: F.t0 + Int64(index) * 10_000_000)).effect)
        }
        // At 1 token/s, the refill over 990 ms is 0.99 tokens: no whole token, so exactly 60 are allowed.
        #expect(effects.prefix(60).allSatisfy { $0 == .allow })
        #expect(effects.dropFirst(60).allSatisfy { $0 == .deny })
        let denied = evaluator.evaluate(F.step(.llm, "gpt-4.1", at: F.t0 + F.second - 1))
        #expect(denied == Decision(regime: .legacy, effect: .deny, rule: "acme/limits.requestsPerMinute",
                                   reason: "tenant acme exceeded 60 requests per minute"))
        // 30 s after the burst began, 30 tokens have been refilled.
        var later: [Effect] = []
        for index in 0..<40 { later.append(evaluator.evaluate(F.step(.llm, "gpt-4.1", at: F.t0 + 30 * F.second + Int64(index))).effect) }
        #expect(later.filter { $0 == .allow }.count == 30)
        #expect(later.prefix(30).allSatisfy { $0 == .allow })
    }

    @Test func refillIsExactAcrossManySmallSteps() {
        // rpm 7: one token every 60/7 s. 7 tokens after exactly 60 s however the time is split.
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(limits: LimitsConfig(requestsPerMinute: 7)))
        for _ in 0..<7 { #expect(evaluator.evaluate(F.step(.output, "x", at: F.t0)).effect == .allow) }
        for index in 0..<7 { #expect(evaluator.evaluate(F.step(.llm, "m", at: F.t0 + Int64(index))).effect == .allow) }
        #expect(evaluator.evaluate(F.step(.llm, "m", at: F.t0 + 7)).effect == .deny)
        // A step every 1/3 s for 60 s: denied ones consume nothing, and no refill is lost to rounding.
        var allowed = 0
        for tick in 1...180 {
            let nanos = F.t0 + Int64(tick) * (F.second / 3)
            if evaluator.evaluate(F.step(.llm, "m", at: nanos)).effect == .allow { allowed += 1 }
        }
        // A token is back at t0 + k·60/7 s; the last tick is 60 ns short of t0 + 60 s, so k = 1...6.
        #expect(allowed == 6)
    }

    @Test func outputStepsDoNotConsumeRequests() {
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(limits: LimitsConfig(requestsPerMinute: 1)))
        #expect(evaluator.evaluate(F.step(.output, "reply")).effect == .allow)
        #expect(evaluator.evaluate(F.step(.output, "reply")).effect == .allow)
        #expect(evaluator.evaluate(F.step(.llm, "m")).effect == .allow)
        #expect(evaluator.evaluate(F.step(.llm, "m")).effect == .deny)
        #expect(evaluator.evaluate(F.step(.output, "reply")).effect == .allow)
    }

    @Test func deniedStepsConsumeNothing() {
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(limits: LimitsConfig(requestsPerMinute: 2)))
        for _ in 0..<5 { #expect(evaluator.evaluate(F.step(.toolCall, "not.allowed")).rule == "acme/tools.default") }
        #expect(evaluator.evaluate(F.step(.llm, "m")).effect == .allow)
        #expect(evaluator.evaluate(F.step(.llm, "m")).effect == .allow)
        #expect(evaluator.evaluate(F.step(.llm, "m")).effect == .deny)
    }

    @Test func tokensPerMinuteBucket() {
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(limits: LimitsConfig(tokensPerMinute: 1_000)))
        #expect(evaluator.evaluate(llm(at: F.t0, tokens: 600)).effect == .allow)
        let denied = evaluator.evaluate(llm(at: F.t0, tokens: 500))
        #expect(denied == Decision(regime: .legacy, effect: .deny, rule: "acme/limits.tokensPerMinute",
                                   reason: "tenant acme exceeded 1000 tokens per minute"))
        // The denied request consumed nothing: 400 remain.
        #expect(evaluator.evaluate(llm(at: F.t0, tokens: 400)).effect == .allow)
        // 6 s refill 100 tokens.
        #expect(evaluator.evaluate(llm(at: F.t0 + 6 * F.second, tokens: 101)).effect == .deny)
        #expect(evaluator.evaluate(llm(at: F.t0 + 6 * F.second, tokens: 100)).effect == .allow)
        // Steps without token usage, and non-llm steps, consume no tokens.
        #expect(evaluator.evaluate(F.step(.llm, "m", at: F.t0 + 6 * F.second)).effect == .allow)
    }

    @Test func requestLargerThanTheCapacityIsAlwaysDenied() {
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(limits: LimitsConfig(tokensPerMinute: 1_000)))
        let decision = evaluator.evaluate(llm(at: F.t0, tokens: 1_001))
        #expect(decision.rule == "acme/limits.tokensPerMinute")
        #expect(decision.reason == "the step's tokens exceed the whole tokensPerMinute capacity (1000) of tenant acme")
        #expect(evaluator.evaluate(llm(at: F.t0 + 3_600 * F.second, tokens: 1_001)).effect == .deny)
    }

    @Test func tokenDenialDoesNotConsumeARequest() {
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(limits: LimitsConfig(requestsPerMinute: 1, tokensPerMinute: 10)))
        #expect(evaluator.evaluate(llm(at: F.t0, tokens: 11)).rule == "acme/limits.tokensPerMinute")
        #expect(evaluator.evaluate(llm(at: F.t0, tokens: 10)).effect == .allow)
        #expect(evaluator.evaluate(llm(at: F.t0, tokens: 0)).rule == "acme/limits.requestsPerMinute")
    }

    @Test func outOfOrderStepsRefillNothingAndDoNotMoveTheClockBack() {
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(limits: LimitsConfig(requestsPerMinute: 60)))
        let late = F.t0 + 10 * F.second
        for _ in 0..<60 { #expect(evaluator.evaluate(F.step(.llm, "m", at: late)).effect == .allow) }
        // An earlier step: elapsed clamps to 0, the bucket stays empty.
        #expect(evaluator.evaluate(F.step(.llm, "m", at: F.t0)).effect == .deny)
        // The clock stayed at `late`: 1 s after it, exactly one token is back (not 11).
        #expect(evaluator.evaluate(F.step(.llm, "m", at: late + F.second)).effect == .allow)
        #expect(evaluator.evaluate(F.step(.llm, "m", at: late + F.second)).effect == .deny)
    }

    @Test func zeroOrNegativeLimitDeniesEveryConsumingStep() {
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(limits: LimitsConfig(requestsPerMinute: -5)))
        #expect(evaluator.evaluate(F.step(.llm, "m")).rule == "acme/limits.requestsPerMinute")
        #expect(evaluator.evaluate(F.step(.output, "reply")).effect == .allow)
    }

    @Test func hugeRatesAndTimeJumpsDoNotOverflow() {
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(limits: LimitsConfig(requestsPerMinute: Int.max, tokensPerMinute: Int.max)))
        #expect(evaluator.evaluate(llm(at: Int64.min, tokens: 5)).effect == .allow)
        #expect(evaluator.evaluate(llm(at: Int64.min + 7, tokens: 5)).effect == .allow)
        #expect(evaluator.evaluate(llm(at: Int64.max, tokens: 5)).effect == .allow)
    }

    @Test func bucketArithmeticIsExact() {
        var bucket = LegacyTokenBucket(perMinute: 60)
        bucket.refill(at: 0)
        bucket.take(60)
        bucket.refill(at: 999_999_999)
        #expect(bucket.available == 0)
        bucket.refill(at: 1_000_000_000)
        #expect(bucket.available == 1)
    }
}
