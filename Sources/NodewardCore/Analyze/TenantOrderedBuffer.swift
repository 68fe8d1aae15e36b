/// Releases steps in start-time order per tenant, within a reorder window of trace time.
///
/// The legacy rate buckets are driven by step timestamps, but runs arrive in the order they close, not in
/// time order. Like a stream processor's watermark: a tenant's step is released once a step of that tenant
/// at least `window` later has been seen (or at the end). A step older than one already released is
/// counted as out of order and released at once.
struct TenantOrderedBuffer {
    /// Per tenant: a heap of small keys over held steps kept in slots. Heap moves then copy three
    /// integers, not a `Step` (whose copy retains every string in it: that was a tenth of replay time).
    private struct Lane {
        var heap: [Key] = []
        var newest: Int64?
        var released: Int64?
    }

    private struct Key {
        let start: Int64
        let sequence: Int
        let slot: Int

        @inline(__always) static func precedes(_ lhs: Key, _ rhs: Key) -> Bool {
            lhs.start != rhs.start ? lhs.start < rhs.start : lhs.sequence < rhs.sequence
        }
    }

    private var lanes: [Lane] = []
    private var laneOfTenant: [String: Int] = [:]
    private var slots: [Step?] = []
    private var freeSlots: [Int] = []
    private var sequence = 0
    let window: Int64
    private(set) var outOfOrder = 0

    init(windowNanos: Int64) {
        window = windowNanos
    }

    mutating func push(_ step: Step, into released: inout [Step]) {
        let lane: Int
        if let known = laneOfTenant[step.tenant] {
            lane = known
        } else {
            lane = lanes.count
            lanes.append(Lane())
            laneOfTenant[step.tenant] = lane
        }
        let start = step.startNanos
        if let last = lanes[lane].released, start < last { outOfOrder += 1 }
        sequence += 1
        let slot = store(step)
        insert(Key(start: start, sequence: sequence, slot: slot), lane: lane)
        let watermark = max(lanes[lane].newest ?? start, start)
        lanes[lane].newest = watermark
        while let top = lanes[lane].heap.first, top.start <= watermark - window {
            popMin(lane: lane)
            lanes[lane].released = max(lanes[lane].released ?? top.start, top.start)
            released.append(take(top.slot))
        }
    }

    /// Releases everything still held, tenant by tenant in tenant order.
    mutating func drain(into released: inout [Step]) {
        for (_, lane) in laneOfTenant.sorted(by: { $0.key < $1.key }) {
            while let top = lanes[lane].heap.first {
                popMin(lane: lane)
                released.append(take(top.slot))
            }
        }
        lanes = []
        laneOfTenant = [:]
        slots = []
        freeSlots = []
    }

    private mutating func store(_ step: Step) -> Int {
        if let slot = freeSlots.popLast() {
            slots[slot] = step
            return slot
        }
        slots.append(step)
        return slots.count - 1
    }

    private mutating func take(_ slot: Int) -> Step {
        let step = slots[slot].take()!
        freeSlots.append(slot)
        return step
    }

    private mutating func insert(_ key: Key, lane: Int) {
        lanes[lane].heap.append(key)
        var child = lanes[lane].heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Key.precedes(lanes[lane].heap[child], lanes[lane].heap[parent]) else { break }
            lanes[lane].heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popMin(lane: Int) {
        let count = lanes[lane].heap.count
        lanes[lane].heap.swapAt(0, count - 1)
        lanes[lane].heap.removeLast()
        var parent = 0
        let remaining = count - 1
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < remaining, Key.precedes(lanes[lane].heap[left], lanes[lane].heap[smallest]) { smallest = left }
            if right < remaining, Key.precedes(lanes[lane].heap[right], lanes[lane].heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            lanes[lane].heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
