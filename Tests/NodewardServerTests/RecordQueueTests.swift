import Foundation
@testable import NodewardServer
import NodewardCore
import NodewardStore
import Testing

@Suite struct RecordQueueTests {
    static let records: [DecisionRecord] = {
        let sidecar = makeSidecar()
        return sidecar.evaluate((try? Fleet.globexRun.map { try DecisionRequestDecoder.single(Array($0.utf8)) }) ?? []).1
    }()

    /// Waits until `count` sync requests are queued.
    static func waitForWaiters(_ queue: RecordQueue, _ count: Int) async throws {
        for _ in 0..<1_000 where queue.counts.waiting < count { try await Task.sleep(for: .milliseconds(1)) }
        #expect(queue.counts.waiting == count)
    }

    @Test func syncRequestsResumeOnlyWhenAllTheirRecordsCommit() async throws {
        let queue = RecordQueue(capacity: 10)
        #expect(queue.reserve(3) && queue.reserve(4))
        #expect(!queue.reserve(4), "3 + 4 reserved + 4 is over the capacity of 10")
        #expect(queue.counts.shed == 4)
        let first = Task { await queue.commitDurably(Array(Self.records[0..<3]), reserved: 3) }
        try await Self.waitForWaiters(queue, 1)
        let second = Task { await queue.commitDurably(Array(Self.records[3..<7]), reserved: 4) }
        try await Self.waitForWaiters(queue, 2)
        // A batch of 5 holds all of the first request and part of the second.
        let batch = queue.takeBatch(upTo: 5)
        #expect(batch.records.count == 5 && batch.first == 0)
        #expect(queue.counts.depth == 7, "records in the transaction still count until it commits")
        queue.complete(batch, failed: false)
        #expect(await first.value == .committed)
        #expect(queue.counts.waiting == 1)
        let rest = queue.takeBatch(upTo: 5)
        #expect(rest.records.count == 2 && rest.first == 5)
        queue.complete(rest, failed: false)
        #expect(await second.value == .committed)
        #expect(queue.counts.recorded == 7 && queue.counts.depth == 0)
    }

    @Test func aFailedTransactionFailsEveryRequestWithARecordInIt() async throws {
        let queue = RecordQueue(capacity: 10)
        #expect(queue.reserve(3) && queue.reserve(4))
        let first = Task { await queue.commitDurably(Array(Self.records[0..<3]), reserved: 3) }
        try await Self.waitForWaiters(queue, 1)
        let second = Task { await queue.commitDurably(Array(Self.records[3..<7]), reserved: 4) }
        try await Self.waitForWaiters(queue, 2)
        let failing = queue.takeBatch(upTo: 4)
        queue.complete(failing, failed: true)
        #expect(await first.value == .failed)
        // The second request's first record was in the failed transaction: it fails even though the rest commits.
        let rest = queue.takeBatch(upTo: 10)
        queue.complete(rest, failed: false)
        #expect(await second.value == .failed)
        #expect(queue.counts.failed == 4 && queue.counts.recorded == 3)
    }

    @Test func asyncOffersCountUncommittedRecordsAgainstTheCapacity() {
        let queue = RecordQueue(capacity: 5)
        #expect(queue.offer(Array(Self.records[0..<4])) == 0)
        let batch = queue.takeBatch(upTo: 4)
        // Taken but not committed: only one more fits.
        #expect(queue.offer(Array(Self.records[4..<7])) == 2)
        queue.complete(batch, failed: false)
        #expect(queue.offer(Array(Self.records[0..<3])) == 0)
        #expect(queue.counts.depth == 4 && queue.counts.dropped == 2 && queue.counts.recorded == 4)
    }

    @Test func closingAnswersSyncRequestsInsteadOfLeavingThemWaiting() async {
        let queue = RecordQueue(capacity: 10)
        queue.close()
        #expect(!queue.reserve(1))
        #expect(await queue.commitDurably(Array(Self.records[0..<1]), reserved: 0) == .closed)
        #expect(queue.nextBatch(upTo: 10, maxWait: .seconds(5)) == nil, "closed and empty: the recorder stops at once")
    }
}
