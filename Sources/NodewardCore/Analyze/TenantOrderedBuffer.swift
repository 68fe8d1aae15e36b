/// Releases steps in start-time order per tenant, within a reorder window of trace time.
///
/// The legacy rate buckets are driven by step timestamps, but runs arrive in the order they close, not in
/// time order. Like a stream processor's watermark: a tenant's step is released once a step of that tenant
/// at least `window` later has been seen (or at the end). A step older than one already released is
/// counted as out of order and released at once.
struct TenantOrderedBuffer {
    private struct Entry {
        let step: Step
        let sequence: Int
    }

    private var heaps: [String: MinHeap<Entry>] = [:]
    private var newest: [String: Int64] = [:]
    private var released: [String: Int64] = [:]
    private var sequence = 0
    let window: Int64
    private(set) var outOfOrder = 0

    init(windowNanos: Int64) {
        window = windowNanos
    }

    mutating func push(_ step: Step, into released: inout [Step]) {
        let tenant = step.tenant
        if let last = self.released[tenant], step.startNanos < last { outOfOrder += 1 }
        sequence += 1
        var heap = heaps.removeValue(forKey: tenant) ?? MinHeap<Entry> {
            ($0.step.startNanos, $0.sequence) < ($1.step.startNanos, $1.sequence)
        }
        heap.insert(Entry(step: step, sequence: sequence))
        let watermark = max(newest[tenant] ?? step.startNanos, step.startNanos)
        newest[tenant] = watermark
        while let top = heap.min, top.step.startNanos <= watermark - window {
            _ = heap.popMin()
            self.released[tenant] = max(self.released[tenant] ?? top.step.startNanos, top.step.startNanos)
            released.append(top.step)
        }
        heaps[tenant] = heap
    }

    /// Releases everything still held, tenant by tenant in tenant order.
    mutating func drain(into released: inout [Step]) {
        for tenant in heaps.keys.sorted() {
            var heap = heaps[tenant]!
            while let entry = heap.popMin() { released.append(entry.step) }
        }
        heaps = [:]
    }
}
