// Why: one running PV domU as a test sees it: its console (send a line, expect text with a
// timeout, from where the previous expectation ended) and its life cycle in `xl list`.
// Console text is raw guest bytes: a Xen guest ends lines with "\r\n".
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Image.Tests.Lab;

public sealed class LabGuest
{
    private readonly LabDriver _lab;
    private readonly SerialStream _console;
    private readonly int _consoleFrom;
    private int _cursor;

    public string Name { get; }
    public int DomId { get; }
    public TimeSpan CreateTime { get; }     // xl create -p + console bridge
    public Stopwatch SinceUnpause { get; }

    internal LabGuest(LabDriver lab, SerialStream console, string name, int domId, int consoleFrom,
                      TimeSpan createTime, Stopwatch sinceUnpause)
    {
        _lab = lab; _console = console; Name = name; DomId = domId;
        _consoleFrom = _cursor = consoleFrom; CreateTime = createTime; SinceUnpause = sinceUnpause;
    }

    // Everything this guest printed so far.
    public string Output => _console.Text(_consoleFrom);

    public void SendLine(string line) => _console.Write(line + "\n");
    // Raw bytes as typed (control characters such as Ctrl-C "\u0003").
    public void Send(string raw) => _console.Write(raw);
    // Position after the last match (absolute in the console stream) and the text from one.
    public int Cursor => _cursor;
    public string TextFrom(int position) => _console.Text(position);

    // Waits for the pattern after the previous match; fails with the console text so far.
    public Match Expect(string regex, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var m = _console.WaitFor(new Regex(regex), _cursor, limit);
        if (m is null)
            throw new LabException($"guest {Name} (domid {DomId}): no /{regex}/ within {limit.TotalSeconds} s; console since last match:\n"
                                   + _console.Text(_cursor));
        _cursor += m.Index + m.Length;
        return m;
    }

    public string State() => _lab.DomainState(DomId);

    // Polls `xl list` until the domain is gone (true) or crashed and preserved (false).
    public bool WaitGoneOrCrashed(TimeSpan timeout, out string lastState)
    {
        var sw = Stopwatch.StartNew();
        for (;;)
        {
            lastState = State();
            if (lastState == null) return true;
            if (lastState.Contains('c')) return false;
            if (sw.Elapsed > timeout) throw new LabException($"guest {Name} (domid {DomId}) still '{lastState}' after {timeout.TotalSeconds} s");
            Thread.Sleep(200);
        }
    }

    public void Destroy() => _lab.Dom0("xl destroy " + DomId + " 2>&1 || true");
}
