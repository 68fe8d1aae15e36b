/// A layered (Sugiyama-style, simplified) layout of a task graph for drawing: back edges found by a
/// depth-first walk from `start` and left out of the layering, longest-path layers over the rest,
/// dummy vertices on edges that span layers, barycentre ordering with the fewest-crossings order kept,
/// and x positions pulled toward neighbours without overlapping. Everything is a pure function of the
/// graph, so the same graph always gives the same drawing.
struct GraphSVGLayout: Sendable {
    enum Role: Sendable, Hashable {
        case start, end, request, node, dummy
    }

    struct Vertex: Sendable, Hashable {
        var id: String
        var role: Role
        var width: Double
        var height: Double
        var layer = 0
        var x = 0.0
        var y = 0.0
        var left: Double { x - width / 2 }
        var right: Double { x + width / 2 }
        var top: Double { y - height / 2 }
        var bottom: Double { y + height / 2 }
    }

    /// A control edge between two real vertices; `path` lists the vertices it passes (dummies included).
    struct Edge: Sendable, Hashable {
        var from: Int
        var to: Int
        /// Index into the graph's `controlEdges`.
        var source: Int
        var path: [Int]
        var isBack: Bool { kind == .back }
        var kind: Kind
        enum Kind: Sendable, Hashable { case forward, back, selfLoop }
    }

    static let rowPitch = 104.0
    static let gap = 44.0
    static let margin = 24.0
    static let nodeHeight = 44.0
    static let tallNodeHeight = 56.0

    var vertices: [Vertex] = []
    var edges: [Edge] = []
    var layers: [[Int]] = []
    var index: [String: Int] = [:]

    init(_ graph: TaskGraph) {
        addVertex(TaskGraph.start, .start, width: 64, height: 28)
        addVertex(TaskGraph.end, .end, width: 64, height: 28)
        if graph.dataEdges.contains(where: { $0.from == TaskGraph.request }) {
            addVertex(TaskGraph.request, .request, width: 104, height: 28)
        }
        for node in graph.nodes where index[node.id] == nil {
            let label = GraphSVGLayout.label(node)
            let characters = max(Double(label.kind.count) * 6.2, Double(label.operation.count) * 6.7, Double(label.detail?.count ?? 0) * 6.2)
            addVertex(node.id, .node, width: min(max(characters + 20, 100), 260), height: label.detail == nil ? Self.nodeHeight : Self.tallNodeHeight)
        }
        // An edge naming no node (a hand-edited graph file) still gets drawn, to a placeholder box.
        let endpoints = graph.controlEdges.flatMap { [$0.from, $0.to] } + graph.dataEdges.flatMap { [$0.from, $0.to] }
        for id in endpoints where index[id] == nil {
            addVertex(id, .node, width: min(max(Double(id.count) * 6.7 + 20, 100), 260), height: Self.nodeHeight)
        }
        for (position, edge) in graph.controlEdges.enumerated() {
            guard let from = index[edge.from], let to = index[edge.to] else { continue }
            edges.append(Edge(from: from, to: to, source: position, path: [from, to], kind: from == to ? .selfLoop : .forward))
        }
        markBackEdges()
        assignLayers()
        insertDummies()
        orderLayers()
        placeVertices()
    }

    mutating func addVertex(_ id: String, _ role: Role, width: Double, height: Double) {
        index[id] = vertices.count
        vertices.append(Vertex(id: id, role: role, width: width, height: height))
    }

    /// What a node's box says: kind (with its share when optional), operation, and what tells this role
    /// apart from others with the same operation. Long texts are cut with an ellipsis (the tooltip has all).
    static func label(_ node: TaskGraph.Node) -> (kind: String, operation: String, detail: String?) {
        let kind = node.kind.rawValue + (node.optional ? " · " + shareText(node.share) : "")
        let plain = node.kind.rawValue + "." + node.operation
        var detail: String?
        if node.id != plain { detail = node.id.hasPrefix(plain) ? String(node.id.dropFirst(plain.count)) : node.id }
        return (kind, cut(node.operation, 36), detail.map { cut($0, 38) })
    }

    /// `37% of runs`, and `<1% of runs` rather than a misleading `0%` for rare nodes.
    static func shareText(_ share: Double) -> String {
        share > 0 && share < 0.01 ? "<1% of runs" : TaskGraph.shareText(share)
    }

    static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    // MARK: Layering

    /// Iterative depth-first walk from `start`, then from any vertex not yet reached: an edge into a
    /// vertex still on the walk's stack closes a cycle and is drawn as a back edge.
    mutating func markBackEdges() {
        var outgoing = Array(repeating: [Int](), count: vertices.count)
        for (position, edge) in edges.enumerated() where edge.kind == .forward { outgoing[edge.from].append(position) }
        for vertex in outgoing.indices { outgoing[vertex].sort { (edges[$0].to, $0) < (edges[$1].to, $1) } }
        var state = Array(repeating: 0, count: vertices.count)  // 0 unseen, 1 on stack, 2 done
        for root in [0] + Array(vertices.indices) where state[root] == 0 {
            var stack: [(vertex: Int, next: Int)] = [(root, 0)]
            state[root] = 1
            while let top = stack.last {
                if top.next < outgoing[top.vertex].count {
                    stack[stack.count - 1].next += 1
                    let position = outgoing[top.vertex][top.next]
                    let target = edges[position].to
                    if state[target] == 1 {
                        edges[position].kind = .back
                    } else if state[target] == 0 {
                        state[target] = 1
                        stack.append((target, 0))
                    }
                } else {
                    state[top.vertex] = 2
                    stack.removeLast()
                }
            }
        }
    }

    /// Longest path from the sources over forward edges (Kahn's order, lowest index first); `end` goes
    /// below everything, and nodes only reached by back edges sit just below `start`.
    mutating func assignLayers() {
        var incoming = Array(repeating: 0, count: vertices.count)
        var outgoing = Array(repeating: [Int](), count: vertices.count)
        for edge in edges where edge.kind == .forward {
            incoming[edge.to] += 1
            outgoing[edge.from].append(edge.to)
        }
        var layer = Array(repeating: 0, count: vertices.count)
        var ready = vertices.indices.filter { incoming[$0] == 0 }
        while !ready.isEmpty {
            let vertex = ready.removeFirst()
            for target in outgoing[vertex] {
                layer[target] = max(layer[target], layer[vertex] + 1)
                incoming[target] -= 1
                if incoming[target] == 0 { ready.append(target) }
            }
        }
        for vertex in vertices.indices where vertices[vertex].role == .node { layer[vertex] = max(layer[vertex], 1) }
        let deepest = vertices.indices.filter { vertices[$0].role != .end }.map { layer[$0] }.max() ?? 0
        layer[1] = deepest + 1
        for vertex in vertices.indices { vertices[vertex].layer = layer[vertex] }
        layers = Array(repeating: [], count: deepest + 2)
        for vertex in vertices.indices { layers[layer[vertex]].append(vertex) }
    }

    /// Forward edges that span layers get a dummy vertex per layer crossed, so ordering sees them and
    /// the drawn line passes between boxes rather than through them.
    mutating func insertDummies() {
        for position in edges.indices where edges[position].kind == .forward {
            let edge = edges[position]
            var path = [edge.from]
            var layer = vertices[edge.from].layer + 1
            while layer < vertices[edge.to].layer {
                let dummy = vertices.count
                vertices.append(Vertex(id: "", role: .dummy, width: 8, height: Self.nodeHeight, layer: layer))
                layers[layer].append(dummy)
                path.append(dummy)
                layer += 1
            }
            path.append(edge.to)
            edges[position].path = path
        }
    }

    // MARK: Ordering

    /// The (upper, lower) vertex pairs of every forward segment between adjacent layers.
    var segments: [(Int, Int)] {
        edges.filter { $0.kind == .forward }.flatMap { edge in zip(edge.path, edge.path.dropFirst()).map { ($0, $1) } }
    }

    mutating func orderLayers() {
        let segments = self.segments
        var above = Array(repeating: [Int](), count: vertices.count)
        var below = Array(repeating: [Int](), count: vertices.count)
        for (upper, lower) in segments {
            below[upper].append(lower)
            above[lower].append(upper)
        }
        var best = layers
        var bestCrossings = crossings(layers, segments)
        for sweep in 0..<8 where bestCrossings > 0 {
            let downward = sweep % 2 == 0
            let order = downward ? Array(layers.indices.dropFirst()) : Array(layers.indices.dropLast().reversed())
            for layer in order {
                var position: [Int: Double] = [:]
                for (offset, vertex) in layers[downward ? layer - 1 : layer + 1].enumerated() { position[vertex] = Double(offset) }
                let keys = layers[layer].enumerated().map { offset, vertex -> (Double, Int, Int) in
                    let neighbours = (downward ? above[vertex] : below[vertex]).compactMap { position[$0] }
                    let centre = neighbours.isEmpty ? Double(offset) : neighbours.reduce(0, +) / Double(neighbours.count)
                    return (centre, offset, vertex)
                }
                layers[layer] = keys.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
            }
            let count = crossings(layers, segments)
            if count < bestCrossings {
                best = layers
                bestCrossings = count
            }
        }
        layers = best
    }

    func crossings(_ layers: [[Int]], _ segments: [(Int, Int)]) -> Int {
        var position = Array(repeating: 0, count: vertices.count)
        for layer in layers { for (offset, vertex) in layer.enumerated() { position[vertex] = offset } }
        var byLayer: [Int: [(Int, Int)]] = [:]
        for (upper, lower) in segments { byLayer[vertices[upper].layer, default: []].append((position[upper], position[lower])) }
        var total = 0
        for pairs in byLayer.values {
            for first in pairs.indices {
                for second in pairs.indices where second > first {
                    let (a, b) = (pairs[first], pairs[second])
                    if (a.0 - b.0) * (a.1 - b.1) < 0 { total += 1 }
                }
            }
        }
        return total
    }

    // MARK: Coordinates

    /// Each vertex is pulled toward the mean centre of its neighbours; a left-to-right and a
    /// right-to-left pass keep the gaps, and their mean keeps them too.
    mutating func placeVertices() {
        var neighbours = Array(repeating: [Int](), count: vertices.count)
        for (upper, lower) in segments {
            neighbours[upper].append(lower)
            neighbours[lower].append(upper)
        }
        for layer in layers {
            var x = 0.0
            for vertex in layer {
                vertices[vertex].x = x + vertices[vertex].width / 2
                x += vertices[vertex].width + Self.gap
            }
        }
        let widest = layers.map { layer in layer.last.map { vertices[$0].right } ?? 0 }.max() ?? 0
        for layer in layers {
            let shift = (widest - (layer.last.map { vertices[$0].right } ?? 0)) / 2
            for vertex in layer { vertices[vertex].x += shift }
        }
        for _ in 0..<6 {
            for layer in layers where !layer.isEmpty {
                let desired = layer.map { vertex -> Double in
                    let around = neighbours[vertex]
                    return around.isEmpty ? vertices[vertex].x : around.map { vertices[$0].x }.reduce(0, +) / Double(around.count)
                }
                var rightward = desired
                for offset in layer.indices.dropFirst() {
                    rightward[offset] = max(desired[offset], rightward[offset - 1] + spacing(layer[offset - 1], layer[offset]))
                }
                var leftward = desired
                for offset in layer.indices.dropLast().reversed() {
                    leftward[offset] = min(desired[offset], leftward[offset + 1] - spacing(layer[offset], layer[offset + 1]))
                }
                for offset in layer.indices { vertices[layer[offset]].x = (rightward[offset] + leftward[offset]) / 2 }
            }
        }
        let leftmost = vertices.map(\.left).min() ?? 0
        for vertex in vertices.indices {
            vertices[vertex].x = (vertices[vertex].x - leftmost + Self.margin).rounded()
            vertices[vertex].y = (Self.margin + 16 + Double(vertices[vertex].layer) * Self.rowPitch).rounded()
        }
    }

    func spacing(_ left: Int, _ right: Int) -> Double {
        let gap = vertices[left].role == .dummy || vertices[right].role == .dummy ? Self.gap / 2 : Self.gap
        return vertices[left].width / 2 + gap + vertices[right].width / 2
    }

    /// The drawing's extent, with room on the right for back-edge lanes and self-loops.
    var width: Double { (vertices.map(\.right).max() ?? 0) + Self.margin }
    var height: Double { (vertices.map(\.bottom).max() ?? 0) + Self.margin }
}
