/// `stateless analyze`: where a boot's time went, from its timeline (systemd-analyze's
/// habits: `blame`, `critical-chain`, `plot`). The kernel's own share, before /init ran,
/// is the span from 0 to the first entry: the timeline's clock is the kernel's uptime.
public struct BootAnalysis: Sendable {
    public let entries: [TimelineEntry]

    public init(_ entries: [TimelineEntry]) {
        self.entries = entries.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
    }

    /// The kernel's span, up to the first thing the initramfs recorded.
    public var kernel: TimelineEntry? {
        entries.first.map { TimelineEntry(stage: "kernel", start: Uptime(nanoseconds: 0), end: $0.start, outcome: "ok", detail: "until /init ran") }
    }

    /// Every span and stage, longest first.
    public func blame() -> String {
        let all = (kernel.map { [$0] } ?? []) + entries
        return all.sorted { $0.seconds > $1.seconds }.map { entry in
            pad(Self.seconds(entry.seconds), 10) + " " + Self.label(entry)
        }.joined(separator: "\n") + "\n"
    }

    /// The stages from the real init back to the kernel, each with the spans it waited
    /// for: from the stage's end backwards, the span that ended last before that point,
    /// then the one that ended last before that span started, and so on (systemd's
    /// critical chain). Loads that ran beside the stage without holding it up are not on it.
    public func criticalChain(spansPerStage: Int = 4) -> String {
        let stages = entries.filter(\.isStage)
        var lines: [String] = []
        if let last = stages.last { lines.append("the real init started at \(last.end) s uptime") }
        for stage in stages.reversed() {
            lines.append("\(stage.name) @\(stage.start)s +\(Self.seconds(stage.seconds))" + (stage.outcome == "ok" ? "" : " (\(stage.outcome))"))
            var point = stage.end
            for _ in 0..<spansPerStage {
                guard let span = entries.filter({ !$0.isStage && $0.end <= point && $0.end > stage.start && $0.start < point })
                    .max(by: { ($0.end, $0.start) < ($1.end, $1.start) })
                else { break }
                lines.append("  └─\(Self.label(span)) @\(span.start)s +\(Self.seconds(span.seconds))")
                point = span.start
            }
        }
        if let kernel { lines.append("kernel @0.000s +\(Self.seconds(kernel.seconds)) (until /init ran)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// An SVG of the boot: one bar per stage and span on a seconds axis, coloured by kind.
    public func plot() -> String {
        let rows = (kernel.map { [$0] } ?? []) + entries
        let end = rows.map(\.end.nanoseconds).max().map { Double($0) / 1e9 } ?? 1
        let perSecond = 200.0, rowHeight = 18.0, top = 40.0, left = 10.0
        let width = Int(left * 2 + (end + 1) * perSecond + 600)
        let height = Int(top + Double(rows.count) * rowHeight + 20)
        func x(_ uptime: Uptime) -> String { Self.number(left + Double(uptime.nanoseconds) / 1e9 * perSecond) }
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"11\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(Self.number(left))\" y=\"14\" font-size=\"13\">Boot timeline (stateless analyze plot): stages, module loads, waits with the option that bounds them, network exchanges</text>"]
        for second in 0...Int(end.rounded(.up)) {
            let position = Self.number(left + Double(second) * perSecond)
            svg.append("<line x1=\"\(position)\" y1=\"\(Self.number(top - 8))\" x2=\"\(position)\" y2=\"\(height - 10)\" stroke=\"#ddd\"/>")
            svg.append("<text x=\"\(position)\" y=\"\(Self.number(top - 12))\" fill=\"#666\">\(second) s</text>")
        }
        for (index, entry) in rows.enumerated() {
            let y = top + Double(index) * rowHeight
            let barWidth = max(1, entry.seconds * perSecond)
            svg.append("<rect x=\"\(x(entry.start))\" y=\"\(Self.number(y))\" width=\"\(Self.number(barWidth))\" height=\"\(Self.number(rowHeight - 4))\" fill=\"\(Self.colour(entry))\"><title>\(Self.escaped(Self.label(entry))) \(entry.start)–\(entry.end) s</title></rect>")
            svg.append("<text x=\"\(Self.number(left + Double(entry.start.nanoseconds) / 1e9 * perSecond + barWidth + 4))\" y=\"\(Self.number(y + rowHeight - 7))\">\(Self.escaped(Self.label(entry) + " " + Self.seconds(entry.seconds)))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    // MARK: Pieces

    static func label(_ entry: TimelineEntry) -> String {
        let kind = entry.isStage && entry.name != "kernel" ? " (stage)" : ""
        let name = entry.name == "wait" ? "wait for" : entry.name.replacingAll(":", with: " ")
        let outcome = entry.outcome == "ok" ? "" : " [\(entry.outcome)]"
        return name + kind + (entry.detail.map { " " + $0 } ?? "") + outcome
    }

    static func colour(_ entry: TimelineEntry) -> String {
        if entry.outcome != "ok" { return "#d9534f" }
        if entry.name == "kernel" { return "#999999" }
        if entry.isStage { return "#337ab7" }
        if entry.name.hasPrefix("module:") { return "#5cb85c" }
        if entry.name == "wait" { return "#f0ad4e" }
        if entry.name.hasPrefix("modprobe:") { return "#5bc0de" }  // the kernel's module requests
        return "#8e6bbf"  // network exchanges
    }

    /// `1.234s`.
    static func seconds(_ value: Double) -> String {
        "\(Uptime(nanoseconds: UInt64(max(0, value) * 1e9)))s"
    }

    /// A coordinate with one decimal.
    static func number(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    static func escaped(_ text: String) -> String {
        text.replacingAll("&", with: "&amp;").replacingAll("<", with: "&lt;").replacingAll(">", with: "&gt;").replacingAll("\"", with: "&quot;")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
