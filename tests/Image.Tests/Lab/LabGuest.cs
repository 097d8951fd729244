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
    public int DomId { get; private set; }
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

    // xl destroy, then wait (at most 60 s) until the domain has left `xl list`: a large
    // domain's frames are still being freed when xl returns, and the next guest's create
    // should not overlap that.
    public void Destroy() => _lab.Dom0("xl destroy " + DomId + " 2>&1 || true\n" +
        "i=0; while xl list " + DomId + " >/dev/null 2>&1 && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done", TimeSpan.FromSeconds(90));

    // Memory as `xl list` shows it (MiB), -1 when gone.
    public int MemoryMiB() => _lab.MemoryMiB(DomId);

    // Polls `xl list` until the domain's memory satisfies `ok`; returns how long it took.
    // Fails at `timeout` with the values seen (first, last) and the console since the last match.
    public TimeSpan WaitMemory(Func<int, bool> ok, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        int first = MemoryMiB(), last = first;
        while (!ok(last))
        {
            if (sw.Elapsed > timeout)
                throw new LabException($"guest {Name} (domid {DomId}): memory never {what} within {timeout.TotalSeconds} s " +
                                       $"(xl list: {first} MiB at first, {last} MiB last); console since last match:\n" + _console.Text(_cursor));
            Thread.Sleep(500);
            last = MemoryMiB();
        }
        return sw.Elapsed;
    }

    // After `xl reboot` with on_reboot="restart": waits for the name to carry a new domid,
    // then joins the console to the new domain. Output printed before the bridge is up is
    // in ConsoleLog() (xenconsoled's log); Expect continues on the live console.
    public TimeSpan FollowRestart(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        int old = DomId;
        for (;;)
        {
            int id = _lab.DomIdOf(Name);
            if (id >= 0 && id != old) { DomId = id; break; }
            if (sw.Elapsed > timeout)
                throw new LabException($"guest {Name}: no new domain after {timeout.TotalSeconds} s (xl domid: {id}, was {old}); console:\n" + _console.Text(_cursor));
            Thread.Sleep(300);
        }
        _lab.Bridge(DomId);
        _cursor = _lab.ConsoleLength;
        return sw.Elapsed;
    }

    // Waits until xenconsoled's log of this guest matches (the whole log, all boots).
    public Match ExpectInLog(string regex, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var re = new Regex(regex);
        string log = "";
        while (sw.Elapsed <= timeout)
        {
            log = _lab.ConsoleLog(Name);
            var m = re.Match(log);
            if (m.Success) return m;
            Thread.Sleep(500);
        }
        throw new LabException($"guest {Name}: no /{regex}/ in xenconsoled's log within {timeout.TotalSeconds} s; log:\n" + log);
    }
}
