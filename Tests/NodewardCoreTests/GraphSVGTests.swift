import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import NodewardCore

/// The pure Swift graph drawing: layers follow control flow, loops become back edges instead of
/// hanging the layout, boxes never overlap, and the SVG is well-formed, complete and deterministic.
@Suite struct GraphSVGTests {
    static let fleetGraphs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/fleet/graphs").path

    static func node(_ id: String, kind: StepKind = .toolCall, flags: [String] = []) -> TaskGraph.Node {
        let evidence = TaskGraph.Evidence(runs: 10, tenants: ["acme"], firstSeen: nil, lastSeen: nil, sampleRuns: ["acme/r1"])
        let operation = id.split(separator: ".", maxSplits: 1).last.map(String.init) ?? id
        return TaskGraph.Node(id: id, kind: kind, operation: operation, resources: [], disambiguator: nil, arguments: [], egress: [],
                              models: [], share: 1, optional: false, blocked: 0, steps: 10, maxPerRun: 1, evidence: evidence, flags: flags)
    }

    static func control(_ from: String, _ to: String, runs: Int = 10, flags: [String] = []) -> TaskGraph.ControlEdge {
        TaskGraph.ControlEdge(from: from, to: to, count: runs, runs: runs, tenants: ["acme"], flags: flags, sampleRuns: [])
    }

    static func graph(nodes: [TaskGraph.Node], control: [TaskGraph.ControlEdge], data: [TaskGraph.DataEdge] = []) -> TaskGraph {
        TaskGraph(workflow: "wf", agent: "agent", evidence: .init(runs: 10, tenants: ["acme"], firstSeen: nil, lastSeen: nil, sampleRuns: []),
                  nodes: nodes, controlEdges: control, dataEdges: data)
    }

    /// start → a → b → c → end, with b → a closing a loop, b → b repeating, and data from the request.
    static let loopGraph = graph(
        nodes: [node("tool_call.a"), node("tool_call.b", flags: ["rare"]), node("tool_call.c")],
        control: [control("start", "tool_call.a"), control("tool_call.a", "tool_call.b"), control("tool_call.b", "tool_call.a", flags: ["loop"]),
                  control("tool_call.b", "tool_call.b", runs: 2, flags: ["loop", "rare"]), control("tool_call.b", "tool_call.c"),
                  control("tool_call.c", "end"), control("start", "tool_call.c", runs: 1)],
        data: [TaskGraph.DataEdge(from: "request", to: "tool_call.a", argument: "query", trust: .userRequest, basis: "explicit",
                                  runs: 10, tenants: ["acme"], flags: [], sampleRuns: [])])

    static func parse(_ svg: String) throws -> XMLElement {
        try #require(try XMLDocument(xmlString: svg, options: []).rootElement())
    }

    /// Real boxes of one layer, left to right, must not touch.
    static func expectNoOverlap(_ layout: GraphSVGLayout, _ name: String) {
        for layer in layout.layers {
            let boxes = layer.map { layout.vertices[$0] }.filter { $0.role != .dummy }.sorted { $0.x < $1.x }
            for (left, right) in zip(boxes, boxes.dropFirst()) {
                #expect(left.right < right.left, "\(name): \(left.id) overlaps \(right.id)")
            }
        }
    }

    @Test func loopsAreBackEdgesAndLayersFollowControlFlow() throws {
        let layout = GraphSVGLayout(Self.loopGraph)
        let layer = { (id: String) in layout.vertices[layout.index[id]!].layer }
        #expect(layer("start") == 0 && layer("request") == 0)
        #expect(layer("tool_call.a") == 1 && layer("tool_call.b") == 2 && layer("tool_call.c") == 3 && layer("end") == 4)
        let kinds = Dictionary(uniqueKeysWithValues: layout.edges.map { ("\(layout.vertices[$0.from].id)>\(layout.vertices[$0.to].id)", $0.kind) })
        #expect(kinds["tool_call.b>tool_call.a"] == .back)
        #expect(kinds["tool_call.b>tool_call.b"] == .selfLoop)
        #expect(kinds["tool_call.a>tool_call.b"] == .forward)
        // start → c spans layers 0..3: two dummies carry it past a and b.
        let long = try #require(layout.edges.first { layout.vertices[$0.from].id == "start" && layout.vertices[$0.to].id == "tool_call.c" })
        #expect(long.path.count == 4)
        #expect(long.path.dropFirst().dropLast().allSatisfy { layout.vertices[$0].role == .dummy })
        Self.expectNoOverlap(layout, "loop graph")
        #expect(layout.vertices.filter { $0.role != .dummy }.allSatisfy { $0.top >= 0 })
    }

    @Test func theSVGIsWellFormedAndDrawsEveryNodeAndEdge() throws {
        let svg = Self.loopGraph.svg(highlight: ["tool_call.c"], idPrefix: "t")
        let root = try Self.parse(svg)
        #expect(root.name == "svg")
        let titles = try root.nodes(forXPath: "//title").compactMap(\.stringValue)
        for node in Self.loopGraph.nodes { #expect(titles.contains { $0.hasPrefix(node.id + ":") }, "\(node.id) not drawn") }
        #expect(titles.filter { $0.hasPrefix("control ") }.count == Self.loopGraph.controlEdges.count)
        #expect(titles.filter { $0.hasPrefix("data ") }.count == 1)
        #expect(try root.nodes(forXPath: "//g[@class='node']").count == 3)
        // Disputed c: thick red; rare b: dashed red; a: plain grey.
        let rects = try root.nodes(forXPath: "//g[@class='node']/rect").compactMap { $0 as? XMLElement }
        let strokes = rects.map { ($0.attribute(forName: "stroke")?.stringValue ?? "", $0.attribute(forName: "stroke-width")?.stringValue ?? "") }
        #expect(strokes.contains { $0 == ("#d73a49", "2.5") })
        #expect(strokes.contains { $0 == ("#d73a49", "1.5") })
        #expect(strokes.contains { $0.0 == "#6a737d" })
        #expect(svg.contains("marker-end=\"url(#t-red)\"") && svg.contains("id=\"t-red\""))
        #expect(svg.contains("class=\"legend\""))
        #expect(!svg.contains("://"))
        #expect(svg == Self.loopGraph.svg(highlight: ["tool_call.c"], idPrefix: "t"))
    }

    @Test func labelsAreEscapedAndLongOperationsCut() throws {
        var hostile = Self.node("tool_call.x")
        hostile.operation = "<script>alert(\"x\")</script>&" + String(repeating: "y", count: 80)
        hostile.id = "tool_call.x"
        let graph = Self.graph(nodes: [hostile], control: [Self.control("start", "tool_call.x"), Self.control("tool_call.x", "end")])
        let svg = graph.svg()
        #expect(!svg.contains("<script>"))
        #expect(svg.contains("&lt;script&gt;alert(&quot;x&quot;)"))
        _ = try Self.parse(svg)
        let layout = GraphSVGLayout(graph)
        #expect(layout.vertices[layout.index["tool_call.x"]!].width <= 260)
    }

    @Test func anEdgeToAnUnknownNodeIsDrawnToAPlaceholder() throws {
        let graph = Self.graph(nodes: [Self.node("tool_call.a")],
                               control: [Self.control("start", "tool_call.a"), Self.control("tool_call.a", "ghost"), Self.control("ghost", "end")])
        let root = try Self.parse(graph.svg())
        let titles = try root.nodes(forXPath: "//title").compactMap(\.stringValue)
        #expect(titles.contains("ghost: not a node of this graph (an edge names it)"))
        #expect(titles.filter { $0.hasPrefix("control ") }.count == 3)
    }

    @Test func sixtyNodesWithRandomLoopsLayOutWithoutOverlap() throws {
        var random = SplitMix64(state: 42)
        let ids = (0..<60).map { "tool_call.step\($0)" }
        var edges = [Self.control("start", ids[0]), Self.control(ids[59], "end")]
        for index in 0..<59 { edges.append(Self.control(ids[index], ids[index + 1])) }
        for _ in 0..<40 {
            let from = Int(random.next() % 60), to = Int(random.next() % 60)
            edges.append(Self.control(ids[from], ids[to], runs: 1))
        }
        let graph = Self.graph(nodes: ids.map { Self.node($0) }, control: edges)
        let layout = GraphSVGLayout(graph)
        #expect(layout.vertices.filter { $0.role == .node }.count == 60)
        #expect(layout.edges.contains { $0.kind == .back })
        // Forward edges always go down a layer or more; back edges up (or stay).
        for edge in layout.edges where edge.kind == .forward {
            #expect(layout.vertices[edge.to].layer > layout.vertices[edge.from].layer)
        }
        Self.expectNoOverlap(layout, "60 nodes")
        let svg = graph.svg()
        _ = try Self.parse(svg)
        #expect(svg.components(separatedBy: "<g class=\"node\">").count - 1 == 60)
    }

    @Test func theSampleFleetGraphsDrawWithTheirLoopsCurved() throws {
        let (graphs, diagnostics) = GraphFiles.load(directory: Self.fleetGraphs)
        #expect(diagnostics.isEmpty)
        #expect(graphs.count == 4)
        for graph in graphs {
            let layout = GraphSVGLayout(graph)
            Self.expectNoOverlap(layout, graph.workflow)
            // Every edge the layout turns upward closes a cycle, which inference flags as a loop.
            for edge in layout.edges where edge.kind != .forward {
                #expect(graph.controlEdges[edge.source].flags.contains("loop"), "\(graph.workflow): \(graph.controlEdges[edge.source].from) -> \(graph.controlEdges[edge.source].to)")
            }
            #expect(layout.vertices[layout.index["start"]!].layer == 0)
            #expect(layout.vertices[layout.index["end"]!].layer == layout.layers.count - 1)
            let svg = graph.svg(highlight: [graph.nodes[0].id])
            let root = try Self.parse(svg)
            #expect(try root.nodes(forXPath: "//g[@class='node']").count == graph.nodes.count)
            let titles = try root.nodes(forXPath: "//title").compactMap(\.stringValue)
            #expect(titles.filter { $0.hasPrefix("control ") }.count == graph.controlEdges.filter { layout.index[$0.from] != nil && layout.index[$0.to] != nil }.count)
            #expect(!svg.contains("://"))
            #expect(svg == graph.svg(highlight: [graph.nodes[0].id]))
        }
        let loops = graphs.first { $0.workflow == "inbox-triage" }.map(GraphSVGLayout.init)
        #expect((loops?.edges.filter { $0.kind != .forward }.count ?? 0) >= 3)
    }
}
