// Why: the console line discipline is a byte state machine shared by the Xen console and
// the Linux tty mode; these pin its behaviour on bytes (echo, editing, line ends, Ctrl-C,
// Ctrl-D, long lines in pieces) without a lab.
using System.Text;
using XenPv.Console;
using Xunit;

namespace XenPv.Tests;

public class LineDisciplineTests
{
    // Feeds bytes; returns the events with the lines they carried, and all echo.
    private static (List<string> events, string echo) Run(string input, int lineMax = 64, bool echo = true)
    {
        var ld = new LineDiscipline("\r\n", lineMax) { Echo = echo };
        var events = new List<string>();
        var sb = new List<byte>();
        foreach (byte b in Encoding.UTF8.GetBytes(input))
        {
            var ev = ld.Feed(b);
            sb.AddRange(ld.EchoBuffer.Take(ld.EchoLength));
            ld.ClearEcho();
            if (ev == LineEvent.None) continue;
            string line = Encoding.UTF8.GetString(ld.Line, 0, ld.Length);
            events.Add(ev == LineEvent.Line || ev == LineEvent.Piece ? $"{ev}:{line}" : ev.ToString());
            ld.TakeLine();
        }
        return (events, Encoding.UTF8.GetString(sb.ToArray()));
    }

    [Fact]
    public void EchoesAndEndsLinesOnCrLfOrCrLf()
    {
        var (ev, echo) = Run("(+ 1 2)\r(car 1)\nx\r\ny\r\n");
        Assert.Equal(new[] { "Line:(+ 1 2)", "Line:(car 1)", "Line:x", "Line:y" }, ev);
        Assert.Equal("(+ 1 2)\r\n(car 1)\r\nx\r\ny\r\n", echo);
    }

    [Fact]
    public void BackspaceAndDelEraseOneCharacterIncludingUtf8()
    {
        var (ev, echo) = Run("ab\x7f" + "c\bd\u00e9\x7f!\r");
        Assert.Equal(new[] { "Line:ad!" }, ev);
        Assert.Equal("ab\b \bc\b \bd\u00e9\b \b!\r\n", echo);
    }

    [Fact]
    public void BackspaceAtAnEmptyLineDoesNothing()
    {
        var (ev, echo) = Run("\x7f\x7fz\r");
        Assert.Equal(new[] { "Line:z" }, ev);
        Assert.Equal("z\r\n", echo);
    }

    [Fact]
    public void CtrlUKillsTheLine()
    {
        var (ev, echo) = Run("abc\x15xy\r");
        Assert.Equal(new[] { "Line:xy" }, ev);
        Assert.Equal("abc\b \b\b \b\b \bxy\r\n", echo);
    }

    [Fact]
    public void CtrlCDiscardsTheLineAndInterrupts()
    {
        var (ev, echo) = Run("(loo\x03(+ 1 1)\r");
        Assert.Equal(new[] { "Interrupt", "Line:(+ 1 1)" }, ev);
        Assert.Equal("(loo^C\r\n(+ 1 1)\r\n", echo);
    }

    [Fact]
    public void CtrlDIsEndOfInputOnlyAtAnEmptyLine()
    {
        var (ev, _) = Run("ab\u0004c\r\u0004");
        Assert.Equal(new[] { "Line:abc", "Eof" }, ev);
    }

    [Fact]
    public void EscapeSequencesAndOtherControlsAreSwallowed()
    {
        // Up/down with an empty history change nothing; C-g and C-\ are not editing keys.
        // (C-a, once swallowed here, now moves to the start: LineEditTests.) The tab stays in
        // the line and shows as spaces to the next tab stop (column 8 after "* abc").
        var (ev, echo) = Run("a\u001b[A\u001bOBb\u001c\u0007c\td\r");
        Assert.Equal(new[] { "Line:abc\td" }, ev);
        Assert.Equal("abc   d\r\n", echo);
    }

    [Fact]
    public void LongLineIsHandedOverInPieces()
    {
        string s = new string('x', 150);
        var (ev, _) = Run(s + "\r", lineMax: 64);
        Assert.Equal(new[] { "Piece:" + new string('x', 64), "Piece:" + new string('x', 64), "Line:" + new string('x', 22) }, ev);
    }

    [Fact]
    public void NoEchoWhenEchoIsOff()
    {
        var (ev, echo) = Run("ab\r", echo: false);
        Assert.Equal(new[] { "Line:ab" }, ev);
        Assert.Equal("", echo);
    }
    // The answer to the Xen console's width query (CSI 6n) is noted, split across reads or
    // not, and is no edit: the line typed around it is intact and nothing is echoed for it.
    [Fact]
    public void CursorPositionReportIsNotedNotTyped()
    {
        var ld = new LineDiscipline("\r\n", 64);
        foreach (byte b in Encoding.ASCII.GetBytes("(+ 1")) ld.Feed(b);
        ld.ClearEcho();
        foreach (byte b in Encoding.ASCII.GetBytes("\u001b[24;132R")) Assert.Equal(LineEvent.None, ld.Feed(b));
        Assert.Equal(132, ld.ReportedColumn);
        Assert.Equal(0, ld.EchoLength);
        Assert.Equal(LineEvent.None, ld.Feed((byte)')'));
        Assert.Equal(LineEvent.Line, ld.Feed((byte)'\r'));
        Assert.Equal("(+ 1)", Encoding.ASCII.GetString(ld.Line, 0, ld.Length));
        // F3 with modifiers (CSI 1 ; 5 R) looks the same: the console only takes the first
        // report after its query.
        ld.ReportedColumn = 0;
        var (ev, _) = Run("a\u001b[1;5Rb\r");
        Assert.Equal(new[] { "Line:ab" }, ev);
    }
}
