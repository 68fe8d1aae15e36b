/// A task graph as inline SVG (for plan.html), from `GraphSVGLayout`: boxes with kind and operation,
/// control edges solid with run counts (back edges and self-loops curved on the right), data edges
/// dashed on the left with their arguments, rare and disputed elements red, and a legend. Styling is in
/// attributes so the drawing also stands alone; coordinates are integers so output is byte-stable.
extension TaskGraph {
    /// `highlight` marks disputed nodes; `idPrefix` keeps marker ids unique when several graphs share a page.
    public func svg(highlight: Set<String> = [], idPrefix: String = "g") -> String {
        GraphSVGRenderer(graph: self, highlight: highlight, prefix: Markup.attribute(idPrefix)).render()
    }
}

/// Escaping for HTML/XHTML text and attributes. `://` is written with character references so no
/// text from a report (an egress destination, a rule reason) ever reads as a URL in the file.
enum Markup {
    static func text(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters are not allowed in XML; a report never needs them.
                if character.value < 0x20, character != "\n", character != "\t" { out += "\u{FFFD}" } else { out.unicodeScalars.append(character) }
            }
        }
        return out.replacingOccurrences(of: "://", with: ":&#47;&#47;")
    }

    static func attribute(_ value: String) -> String { text(value).replacingOccurrences(of: "\n", with: "&#10;") }
}

struct GraphSVGRenderer {
    static let red = "#d73a49", orange = "#e36209", grey = "#6a737d", ink = "#24292e", blue = "#0366d6"

    let graph: TaskGraph
    let highlight: Set<String>
    let prefix: String
    let layout: GraphSVGLayout

    init(graph: TaskGraph, highlight: Set<String>, prefix: String) {
        self.graph = graph
        self.highlight = highlight
        self.prefix = prefix
        layout = GraphSVGLayout(graph)
    }

    struct Point { var x: Double, y: Double }

    /// A drawn piece, with the points that bound it (for the view box).
    struct Shape {
        var markup: String
        var extent: [Point]
    }

    func render() -> String {
        var edges: [Shape] = []
        var requests: [LabelRequest] = []
        let maxRuns = Double(max(graph.controlEdges.map(\.runs).max() ?? 1, 1))
        let ports = controlPorts()
        let backEdges = layout.edges.filter(\.isBack).sorted { span($0) < span($1) }
        for edge in layout.edges {
            let control = graph.controlEdges[edge.source]
            let rare = control.flags.contains("rare")
            let colour = rare ? Self.red : Self.ink
            let width = 1.2 + 2.0 * Double(control.runs) / maxRuns
            let from = layout.vertices[edge.from], to = layout.vertices[edge.to]
            let points: [Point]
            let path: String
            let labelAt: [Point]
            switch edge.kind {
            case .forward:
                var route = [ports[edge.source]!.out]
                for dummy in edge.path.dropFirst().dropLast() {
                    route.append(Point(x: layout.vertices[dummy].x, y: layout.vertices[dummy].top))
                    route.append(Point(x: layout.vertices[dummy].x, y: layout.vertices[dummy].bottom))
                }
                route.append(ports[edge.source]!.in)
                points = route
                path = smooth(points)
                let (a, b) = (points[0], points[1])
                let middle = (a.y + b.y) / 2
                labelAt = [0.5, 0.35, 0.65, 0.2, 0.8].map {
                    let point = cubic(a, Point(x: a.x, y: middle), Point(x: b.x, y: middle), b, $0)
                    return Point(x: point.x + 4, y: point.y + 4)
                }
            case .back:
                let index = backEdges.firstIndex(of: edge) ?? 0
                let low = min(from.layer, to.layer), high = max(from.layer, to.layer)
                let rightmost = layout.vertices.filter { $0.layer >= low && $0.layer <= high }.map(\.right).max() ?? from.right
                let laneX = rightmost + 28 + 16 * Double(index)
                // Leave and enter on the right side when nothing is to the right in that layer, else
                // through the top (leaving) or bottom (entering), so the curve does not cross boxes.
                let fromClear = rightmostReal(from.layer) == from.right, toClear = rightmostReal(to.layer) == to.right
                let start = fromClear ? Point(x: from.right, y: from.y + 6) : Point(x: from.x + from.width / 4, y: from.top)
                let end = toClear ? Point(x: to.right, y: to.y - 6) : Point(x: to.x + to.width / 4, y: to.bottom)
                let startHandle = fromClear ? Point(x: start.x + 40, y: start.y) : Point(x: start.x, y: start.y - 36)
                let endHandle = toClear ? Point(x: end.x + 40, y: end.y) : Point(x: end.x, y: end.y + 36)
                let lane = Point(x: laneX, y: ((start.y + end.y) / 2).rounded())
                path = "M\(n(start.x)) \(n(start.y)) C\(n(startHandle.x)) \(n(startHandle.y)) \(n(laneX)) \(n((lane.y + start.y) / 2)) \(n(laneX)) \(n(lane.y))"
                    + " C\(n(laneX)) \(n((lane.y + end.y) / 2)) \(n(endHandle.x)) \(n(endHandle.y)) \(n(end.x)) \(n(end.y))"
                points = [start, lane, end, Point(x: laneX + 4, y: lane.y)]
                labelAt = [Point(x: laneX + 4, y: lane.y + 4), Point(x: laneX + 4, y: lane.y - 12), Point(x: laneX + 4, y: lane.y + 20)]
            case .selfLoop:
                let start = Point(x: from.right, y: from.y - 8), end = Point(x: from.right, y: from.y + 8)
                path = "M\(n(start.x)) \(n(start.y)) C\(n(start.x + 34)) \(n(start.y - 20)) \(n(end.x + 34)) \(n(end.y + 20)) \(n(end.x)) \(n(end.y))"
                points = [start, end, Point(x: from.right + 40, y: from.y)]
                labelAt = [Point(x: from.right + 30, y: from.y + 4), Point(x: from.right + 30, y: from.y - 14)]
            }
            let title = "control \(control.from) → \(control.to): \(control.count) transitions in \(control.runs) runs"
                + (control.flags.isEmpty ? "" : " [\(control.flags.joined(separator: ", "))]")
            edges.append(Shape(markup: "<path d=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(n1(width))\" marker-end=\"url(#\(prefix)-\(rare ? "red" : "ink"))\"><title>\(Markup.text(title))</title></path>", extent: points))
            requests.append(LabelRequest(text: control.runs.grouped, candidates: labelAt, colour: colour, size: 10, anchor: "start"))
        }
        let (dataEdges, dataLabels) = dataShapes()
        let boxes = layout.vertices.indices.compactMap(box)
        var placer = LabelPlacer(taken: boxes.map { ($0.extent[0], $0.extent[1]) })
        let labels = (requests + dataLabels).map { placer.place($0, renderer: self) }
        let all = edges + dataEdges + boxes + labels
        let xs = all.flatMap(\.extent).map(\.x), ys = all.flatMap(\.extent).map(\.y)
        let minX = min(xs.min() ?? 0, 0) - 12, minY = min(ys.min() ?? 0, 0)
        let maxX = max(xs.max() ?? 0, layout.width, 800) + 12
        let legendY = max(ys.max() ?? 0, layout.height) + 12
        let legend = self.legend(x: minX + 12, y: legendY)
        let width = maxX - minX, height = legendY + 40 - minY
        var out = "<svg class=\"graph\" role=\"img\" aria-label=\"task graph \(Markup.attribute(graph.workflow))\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"\(n(minX)) \(n(minY)) \(n(width)) \(n(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        out += "<defs>"
        for (name, colour) in [("ink", Self.ink), ("red", Self.red), ("grey", Self.grey), ("orange", Self.orange)] {
            out += "<marker id=\"\(prefix)-\(name)\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"\(colour)\"/></marker>"
        }
        out += "</defs>\n"
        for shape in edges + dataEdges + boxes + labels { out += shape.markup + "\n" }
        out += legend + "</svg>\n"
        return out
    }

    func span(_ edge: GraphSVGLayout.Edge) -> (Int, Int) {
        (abs(layout.vertices[edge.from].layer - layout.vertices[edge.to].layer), edge.source)
    }

    /// Where each forward control edge leaves its source (bottom) and enters its target (top): spread
    /// along the box in the order of where the edge goes, so arrows into one box do not pile up.
    func controlPorts() -> [Int: (out: Point, in: Point)] {
        var outgoing: [Int: [(Double, Int)]] = [:], incoming: [Int: [(Double, Int)]] = [:]
        for edge in layout.edges where edge.kind == .forward {
            outgoing[edge.from, default: []].append((layout.vertices[edge.path[1]].x, edge.source))
            incoming[edge.to, default: []].append((layout.vertices[edge.path[edge.path.count - 2]].x, edge.source))
        }
        func spread(_ vertex: Int, _ items: [(Double, Int)], atTop: Bool) -> [Int: Point] {
            let box = layout.vertices[vertex]
            let sorted = items.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            var points: [Int: Point] = [:]
            for (offset, item) in sorted.enumerated() {
                let fraction = Double(offset + 1) / Double(sorted.count + 1) - 0.5
                points[item.1] = Point(x: (box.x + box.width * 0.6 * fraction).rounded(), y: atTop ? box.top : box.bottom)
            }
            return points
        }
        var outs: [Int: Point] = [:], ins: [Int: Point] = [:]
        for (vertex, items) in outgoing { outs.merge(spread(vertex, items, atTop: false)) { first, _ in first } }
        for (vertex, items) in incoming { ins.merge(spread(vertex, items, atTop: true)) { first, _ in first } }
        var ports: [Int: (out: Point, in: Point)] = [:]
        for (source, point) in outs { ports[source] = (point, ins[source]!) }
        return ports
    }

    /// Smooth path through points: vertical tangents at each point, straight where x does not change.
    func smooth(_ points: [Point]) -> String {
        var path = "M\(n(points[0].x)) \(n(points[0].y))"
        for (a, b) in zip(points, points.dropFirst()) {
            if a.x == b.x {
                path += " L\(n(b.x)) \(n(b.y))"
            } else {
                let middle = (a.y + b.y) / 2
                path += " C\(n(a.x)) \(n(middle)) \(n(b.x)) \(n(middle)) \(n(b.x)) \(n(b.y))"
            }
        }
        return path
    }

    /// Data edges, one per (source, target) pair with the arguments listed, attached to the left sides
    /// of the boxes and bulging left with the distance they cover.
    func dataShapes() -> ([Shape], [LabelRequest]) {
        struct Pair: Hashable { var from: String, to: String }
        var arguments: [Pair: [String]] = [:], trust: [Pair: Set<String>] = [:], flags: [Pair: Set<String>] = [:]
        var order: [Pair] = []
        for edge in graph.dataEdges where layout.index[edge.from] != nil && layout.index[edge.to] != nil {
            let pair = Pair(from: edge.from, to: edge.to)
            if arguments[pair] == nil { order.append(pair) }
            if !(arguments[pair]?.contains(edge.argument) ?? false) { arguments[pair, default: []].append(edge.argument) }
            trust[pair, default: []].insert(edge.trust.rawValue)
            flags[pair, default: []].formUnion(edge.flags)
        }
        var shapes: [Shape] = [], labels: [LabelRequest] = []
        for pair in order {
            let from = layout.vertices[layout.index[pair.from]!], to = layout.vertices[layout.index[pair.to]!]
            // One attachment point per box side, so data flow reads as a bundle rather than a fan.
            let start = Point(x: from.left, y: from.y + 6)
            let end = Point(x: to.left, y: to.y - 6)
            let layers = Double(abs(to.layer - from.layer))
            let bulge = pair.from == pair.to ? 36 : 30 + 18 * layers
            let c1 = Point(x: min(start.x, end.x) - bulge, y: start.y + (pair.from == pair.to ? 14 : 0))
            let c2 = Point(x: min(start.x, end.x) - bulge, y: end.y - (pair.from == pair.to ? 14 : 0))
            let edgeFlags = flags[pair]!
            let colour = edgeFlags.contains("rare") ? Self.red : edgeFlags.contains("external-to-write") ? Self.orange : Self.grey
            let marker = edgeFlags.contains("rare") ? "red" : edgeFlags.contains("external-to-write") ? "orange" : "grey"
            let argumentList = arguments[pair]!
            let title = "data \(pair.from) → \(pair.to): \(argumentList.joined(separator: ", ")) (\(trust[pair]!.sorted().joined(separator: ", ")))"
                + (edgeFlags.isEmpty ? "" : " [\(edgeFlags.sorted().joined(separator: ", "))]")
            let path = "M\(n(start.x)) \(n(start.y)) C\(n(c1.x)) \(n(c1.y)) \(n(c2.x)) \(n(c2.y)) \(n(end.x)) \(n(end.y))"
            shapes.append(Shape(markup: "<path d=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.2\" stroke-opacity=\"0.8\" stroke-dasharray=\"5 3\" class=\"data\" marker-end=\"url(#\(prefix)-\(marker))\"><title>\(Markup.text(title))</title></path>",
                                extent: [start, end, Point(x: c1.x * 0.75 + start.x * 0.25, y: start.y)]))
            // Just left of the curve, near its middle where that is free.
            let candidates = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2].map {
                let point = cubic(start, c1, c2, end, $0)
                return Point(x: point.x - 3, y: point.y + 3)
            }
            let text = GraphSVGLayout.cut(argumentList.joined(separator: ", "), 28)
            labels.append(LabelRequest(text: text, candidates: candidates, colour: colour, size: 9, anchor: "end", italic: true, className: "data"))
        }
        return (shapes, labels)
    }

    func cubic(_ a: Point, _ b: Point, _ c: Point, _ d: Point, _ t: Double) -> Point {
        let u = 1 - t
        return Point(x: u * u * u * a.x + 3 * u * u * t * b.x + 3 * u * t * t * c.x + t * t * t * d.x,
                     y: u * u * u * a.y + 3 * u * u * t * b.y + 3 * u * t * t * c.y + t * t * t * d.y)
    }

    /// The right edge of the rightmost box (not dummy) of a layer.
    func rightmostReal(_ layer: Int) -> Double {
        layout.layers[layer].map { layout.vertices[$0] }.filter { $0.role != .dummy }.map(\.right).max() ?? 0
    }

    func label(_ text: String, at point: Point, colour: String, size: Int, anchor: String, italic: Bool = false, className: String? = nil) -> Shape {
        let width = Double(text.count) * Double(size) * 0.56
        let left = anchor == "end" ? point.x - width : point.x
        return Shape(markup: "<text\(className.map { " class=\"\($0)\"" } ?? "") x=\"\(n(point.x))\" y=\"\(n(point.y))\" font-size=\"\(size)\" fill=\"\(colour)\" text-anchor=\"\(anchor)\"\(italic ? " font-style=\"italic\"" : "") stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(Markup.text(text))</text>",
                     extent: [Point(x: left, y: point.y - Double(size)), Point(x: left + width, y: point.y)])
    }

    func box(_ vertex: Int) -> Shape? {
        let box = layout.vertices[vertex]
        let corners = [Point(x: box.left, y: box.top), Point(x: box.right, y: box.bottom)]
        let rect = "x=\"\(n(box.left))\" y=\"\(n(box.top))\" width=\"\(n(box.width))\" height=\"\(n(box.height))\""
        switch box.role {
        case .dummy:
            return nil
        case .start, .end:
            let text = box.role == .start ? "start" : "end"
            let stroke = box.role == .end ? " stroke-width=\"2.5\"" : " stroke-width=\"1.2\""
            return Shape(markup: "<g><rect \(rect) rx=\"14\" fill=\"#f1f8ff\" stroke=\"\(Self.blue)\"\(stroke)/><text x=\"\(n(box.x))\" y=\"\(n(box.y + 4))\" font-size=\"12\" text-anchor=\"middle\" fill=\"\(Self.ink)\">\(text)</text></g>", extent: corners)
        case .request:
            return Shape(markup: "<g><rect \(rect) rx=\"3\" fill=\"#fffbdd\" stroke=\"#b08800\" stroke-dasharray=\"3 2\"/><text x=\"\(n(box.x))\" y=\"\(n(box.y + 4))\" font-size=\"11\" text-anchor=\"middle\" fill=\"\(Self.ink)\">user request</text></g>", extent: corners)
        case .node:
            guard let node = graph.nodes.first(where: { $0.id == box.id }) else {
                let title = "\(box.id): not a node of this graph (an edge names it)"
                return Shape(markup: "<g class=\"node\"><title>\(Markup.text(title))</title><rect \(rect) rx=\"4\" fill=\"#f6f8fa\" stroke=\"\(Self.grey)\" stroke-dasharray=\"2 2\"/><text x=\"\(n(box.x))\" y=\"\(n(box.y + 4))\" font-size=\"11\" font-family=\"Menlo, Consolas, monospace\" text-anchor=\"middle\" fill=\"\(Self.grey)\">\(Markup.text(GraphSVGLayout.cut(box.id, 36)))</text></g>", extent: corners)
            }
            let disputed = highlight.contains(node.id), rare = node.flags.contains("rare")
            let fill = disputed || rare ? "#ffeef0" : "#ffffff"
            let stroke = disputed || rare ? Self.red : Self.grey
            let style = disputed ? " stroke-width=\"2.5\"" : rare ? " stroke-width=\"1.5\" stroke-dasharray=\"4 2\"" : " stroke-width=\"1\""
            let label = GraphSVGLayout.label(node)
            var title = "\(node.id): \(node.steps.grouped) steps in \(node.evidence.runs.grouped) runs (\(GraphSVGLayout.shareText(node.share)))"
            if node.blocked > 0 { title += ", \(node.blocked.grouped) blocked by the tenant sandbox" }
            if !node.flags.isEmpty { title += " [\(node.flags.joined(separator: ", "))]" }
            if disputed { title += " — old and new decisions disagree here" }
            var out = "<g class=\"node\"><title>\(Markup.text(title))</title><rect \(rect) rx=\"4\" fill=\"\(fill)\" stroke=\"\(stroke)\"\(style)/>"
            let top = box.top
            out += "<text x=\"\(n(box.x))\" y=\"\(n(top + 15))\" font-size=\"10\" text-anchor=\"middle\" fill=\"\(Self.grey)\">\(Markup.text(label.kind))</text>"
            out += "<text x=\"\(n(box.x))\" y=\"\(n(top + 31))\" font-size=\"11.5\" font-family=\"Menlo, Consolas, monospace\" text-anchor=\"middle\" fill=\"\(Self.ink)\">\(Markup.text(label.operation))</text>"
            if let detail = label.detail {
                out += "<text x=\"\(n(box.x))\" y=\"\(n(top + 46))\" font-size=\"10\" font-family=\"Menlo, Consolas, monospace\" text-anchor=\"middle\" fill=\"\(Self.grey)\">\(Markup.text(detail))</text>"
            }
            return Shape(markup: out + "</g>", extent: corners)
        }
    }

    func legend(x: Double, y: Double) -> String {
        var out = "<g class=\"legend\" font-size=\"10\" fill=\"\(Self.ink)\">"
        var cursor = x
        func item(_ drawing: String, _ text: String, _ width: Double) {
            out += drawing.replacingOccurrences(of: "X0", with: n(cursor)).replacingOccurrences(of: "X1", with: n(cursor + 26))
                .replacingOccurrences(of: "XT", with: n(cursor + 32)).replacingOccurrences(of: "Y0", with: n(y + 8))
                .replacingOccurrences(of: "YB", with: n(y + 2))
            out += "<text x=\"\(n(cursor + 32))\" y=\"\(n(y + 12))\">\(text)</text>"
            cursor += width
        }
        item("<path d=\"MX0 Y0 LX1 Y0\" stroke=\"\(Self.ink)\" stroke-width=\"1.5\" marker-end=\"url(#\(prefix)-ink)\"/>", "control flow (runs)", 140)
        item("<path d=\"MX0 Y0 LX1 Y0\" stroke=\"\(Self.grey)\" stroke-dasharray=\"5 3\" marker-end=\"url(#\(prefix)-grey)\"/>", "data flow (arguments)", 150)
        item("<path d=\"MX0 Y0 LX1 Y0\" stroke=\"\(Self.orange)\" stroke-dasharray=\"5 3\" marker-end=\"url(#\(prefix)-orange)\"/>", "external content into a write", 190)
        item("<path d=\"MX0 Y0 LX1 Y0\" stroke=\"\(Self.red)\" stroke-width=\"1.5\" marker-end=\"url(#\(prefix)-red)\"/>", "rare edge", 90)
        item("<rect x=\"X0\" y=\"YB\" width=\"26\" height=\"12\" fill=\"#ffeef0\" stroke=\"\(Self.red)\" stroke-dasharray=\"4 2\"/>", "rare node", 90)
        item("<rect x=\"X0\" y=\"YB\" width=\"26\" height=\"12\" fill=\"#ffeef0\" stroke=\"\(Self.red)\" stroke-width=\"2.5\"/>", "decisions disagree", 130)
        return out + "</g>\n"
    }

    func n(_ value: Double) -> String { String(Int(value.rounded())) }
    func n1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

struct LabelRequest {
    var text: String
    var candidates: [GraphSVGRenderer.Point]
    var colour: String
    var size: Int
    var anchor: String
    var italic = false
    var className: String?
}

/// Puts each label at its first candidate point that overlaps no box and no label placed before it
/// (else at its first candidate): labels go in a fixed order, so placement is deterministic.
struct LabelPlacer {
    var taken: [(GraphSVGRenderer.Point, GraphSVGRenderer.Point)]

    mutating func place(_ request: LabelRequest, renderer: GraphSVGRenderer) -> GraphSVGRenderer.Shape {
        func shape(_ point: GraphSVGRenderer.Point) -> GraphSVGRenderer.Shape {
            renderer.label(request.text, at: point, colour: request.colour, size: request.size, anchor: request.anchor,
                           italic: request.italic, className: request.className)
        }
        let chosen = request.candidates.lazy.map(shape).first { candidate in
            !taken.contains { box in
                candidate.extent[0].x - 3 < box.1.x && candidate.extent[1].x + 3 > box.0.x
                    && candidate.extent[0].y - 1 < box.1.y && candidate.extent[1].y + 1 > box.0.y
            }
        } ?? shape(request.candidates[0])
        taken.append((chosen.extent[0], chosen.extent[1]))
        return chosen
    }
}
