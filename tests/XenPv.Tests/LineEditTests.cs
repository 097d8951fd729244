// Why: the line editor's keys, escape sequences (also split across reads), history, search
// and its wrapping redraw, checked on what a terminal would show: the echo bytes go through
// a small VT100 model (autowrap, CR, LF, BS, CUU/CUD/CUF/CUB, ED) and the screen and cursor
// are compared with the line the editor holds.
using System.Text;
using XenPv.Console;
using Xunit;

namespace XenPv.Tests;

public class LineEditTests
{
    // A VT100-like screen: rows of cells, autowrap with the pending-wrap state.
    sealed class Screen
    {
        public readonly int W;
        public readonly List<StringBuilder> Rows = new() { new StringBuilder() };
        public int R, C;
        bool pending;
        int state; string param = "";
        readonly List<byte> utf8 = new();
        public Screen(int w) { W = w; }

        public void Feed(byte[] bytes, int n) { for (int i = 0; i < n; i++) Feed(bytes[i]); }
        public void Feed(string s) { foreach (byte b in Encoding.UTF8.GetBytes(s)) Feed(b); }

        void Feed(byte b)
        {
            if (state == 1) { state = b == (byte)'[' ? 2 : 0; param = ""; return; }
            if (state == 2)
            {
                if (b >= 0x30 && b <= 0x3F) { param += (char)b; return; }
                state = 0;
                int n = param.Length == 0 ? 1 : int.Parse(param.Split(';')[0]);
                pending = false;
                switch ((char)b)
                {
                    case 'A': R = Math.Max(0, R - n); break;
                    case 'B': R += n; Ensure(); break;
                    case 'C': C = Math.Min(W - 1, C + n); break;
                    case 'D': C = Math.Max(0, C - n); break;
                    case 'J':
                        Row(R).Length = Math.Min(Row(R).Length, C);
                        Rows.RemoveRange(R + 1, Rows.Count - R - 1);
                        break;
                    default: throw new Exception("unexpected CSI " + (char)b);
                }
                return;
            }
            switch (b)
            {
                case 0x1B: state = 1; return;
                case (byte)'\r': C = 0; pending = false; return;
                case (byte)'\n': R++; Ensure(); pending = false; return;
                case 0x08: if (C > 0) C--; pending = false; return;
            }
            Assert.True(b >= 0x20, $"control byte {b} echoed");
            utf8.Add(b);
            string ch = Encoding.UTF8.GetString(utf8.ToArray());
            if ((b & 0xC0) == 0xC0 || ch.Contains('\uFFFD') && utf8.Count < 4) return;   // incomplete
            utf8.Clear();
            if (pending) { R++; C = 0; Ensure(); pending = false; }
            var row = Row(R);
            while (row.Length < C) row.Append(' ');
            if (row.Length == C) row.Append(ch); else { row[C] = ch[0]; }
            if (C == W - 1) pending = true; else C++;
        }

        StringBuilder Row(int r) { Ensure(r); return Rows[r]; }
        void Ensure(int r = -1) { if (r < 0) r = R; while (Rows.Count <= r) Rows.Add(new StringBuilder()); }
        public string[] Text() => Rows.Select(x => x.ToString().TrimEnd()).ToArray();
    }

    sealed class Term
    {
        public readonly LineDiscipline Ld;
        public readonly Screen S;
        public readonly List<string> Events = new();
        public readonly StringBuilder Log = new();
        public Term(int width = 80, int lineMax = 256)
        {
            Ld = new LineDiscipline("\r\n", lineMax) { Width = width };
            S = new Screen(width);
            PromptRow = S.R;
            S.Feed("* ");
        }

        public int PromptRow;

        public Term Type(string s)
        {
            foreach (byte b in Encoding.UTF8.GetBytes(s)) Byte(b);
            return this;
        }

        public void Byte(byte b)
        {
            var ev = Ld.Feed(b);
            Log.Append(Encoding.UTF8.GetString(Ld.EchoBuffer, 0, Ld.EchoLength).Replace("\u001b", "^").Replace("\r", "<CR>").Replace("\n", "<LF>") + "{" + b + "}");
            if (Log.Length > 600) Log.Remove(0, Log.Length - 600);
            S.Feed(Ld.EchoBuffer, Ld.EchoLength);
            Ld.ClearEcho();
            if (ev == LineEvent.None) return;
            string line = Encoding.UTF8.GetString(Ld.Line, 0, Ld.Length);
            Events.Add(ev == LineEvent.Line || ev == LineEvent.Piece ? $"{ev}:{line}" : ev.ToString());
            if (ev == LineEvent.Piece) { Ld.TakeLine(); return; }
            Ld.TakeLine();
            if (ev == LineEvent.Line) Ld.EndForm();
            PromptRow = S.R;
            S.Feed("* ");
        }

        public string Current => Encoding.UTF8.GetString(Ld.Line, 0, Ld.Length);
        public string Last => Events[^1];
    }

    const string Up = "\u001b[A", Down = "\u001b[B", Right = "\u001b[C", Left = "\u001b[D";

    [Theory]
    [InlineData("\u001b[H", "\u001b[F")]
    [InlineData("\u001b[1~", "\u001b[4~")]
    [InlineData("\u001b[7~", "\u001b[8~")]
    [InlineData("\u001bOH", "\u001bOF")]
    [InlineData("\u0001", "\u0005")]
    public void HomeAndEndVariants(string home, string end)
    {
        var t = new Term().Type("abc" + home + "X" + end + "Y\r");
        Assert.Equal(new[] { "Line:XabcY" }, t.Events);
        Assert.Equal("* XabcY", t.S.Text()[^2]);
    }

    [Fact]
    public void EscapeSequencesSplitAcrossReadsAreOneKey()
    {
        // Byte by byte is the worst split; the sequences are cut after every byte.
        foreach (var seq in new[] { Left, "\u001bOD", "\u001b[1;5D", "\u001b[1;3D", "\u001b[3~", "\u001b[H", "\u001bOH", "\u001b[1~" })
        {
            var t = new Term().Type("ab cd");
            foreach (char c in seq) t.Byte((byte)c);
            Assert.True(t.Ld.Cursor < 5 || seq == "\u001b[3~", seq);
            t.Type("\r");
            Assert.DoesNotContain("[", t.Last);
            Assert.DoesNotContain("~", t.Last);
        }
    }

    [Fact]
    public void ControlByteInsideASequenceAbortsItAndActs()
    {
        var t = new Term().Type("ab\u001b[1;\r");
        Assert.Equal(new[] { "Line:ab" }, t.Events);
        t.Type("xy\u001b[\u0003");
        Assert.Equal("Interrupt", t.Last);
    }

    [Fact]
    public void LoneEscapeIsDroppedAndMetaKeysWork()
    {
        var t = new Term().Type("ab\u001bc\u001b\u001b[Dd\r");
        Assert.Equal("Line:abdc", t.Last);
        t.Type("foo bar-baz\u001bbX\u001bfY\r");           // M-b, M-f: words
        Assert.Equal("Line:foo Xbar-bazY", t.Last);
        t.Type("one two\u001b\u007f\r");                  // M-DEL kills a word back
        Assert.Equal("Line:one ", t.Last);
    }

    [Fact]
    public void CtrlArrowsMoveByWordAndDeleteKeyDeletes()
    {
        var t = new Term().Type("foo bar" + "\u001b[1;5D" + "X" + "\u001b[1;5D\u001b[1;5D\u001b[1;5C" + "Y\r");
        Assert.Equal("Line:fooY Xbar", t.Last);
        t.Type("abc\u0001\u001b[3~\u001b[3~\r");
        Assert.Equal("Line:c", t.Last);
    }

    [Fact]
    public void EmacsKeys()
    {
        var t = new Term();
        t.Type("hello world\u0001\u0006\u0006X\u0005!\u0002\u0002Y\r");     // C-a C-f C-e C-b
        Assert.Equal("Line:heXllo worlYd!", t.Last);
        t.Type("abc def\u0002\u0002\u0002\u000b\u0001\u0019-\r");            // C-k then C-y at the start
        Assert.Equal("Line:def-abc ", t.Last);
        t.Type("(car (cdr x))\u0017\u0017\u0019\u0019\r");                  // C-w twice, C-y twice
        Assert.Equal("Line:(car (cdr (cdr ", t.Last);                         // C-w kills back to a blank
        t.Type("abc\u0001\u0004\u0005\u0004\r");                             // C-d: delete under the cursor
        Assert.Equal("Line:bc", t.Last);
        t.Type("abc\u0002\u0015X\r");                                        // C-u kills to the start
        Assert.Equal("Line:Xc", t.Last);
    }

    [Fact]
    public void CtrlDIsEofOnlyOnAnEmptyLine()
    {
        var t = new Term().Type("x\u0004\u0004\r\u0004");
        Assert.Equal(new[] { "Line:x", "Eof" }, t.Events);
    }

    [Fact]
    public void UpRecallsAndEditsDownComesBack()
    {
        var t = new Term().Type("(+ 1 2)\r(* 2 3)\r");
        t.Type("typed" + Up);
        Assert.Equal("(* 2 3)", t.Current);
        Assert.Equal("* (* 2 3)", t.S.Text()[^1]);
        t.Type(Up + Up + Up);                 // stops at the oldest
        Assert.Equal("(+ 1 2)", t.Current);
        t.Type("\u000e" + "\u000e");          // C-n twice: back to what was typed
        Assert.Equal("typed", t.Current);
        Assert.Equal("* typed", t.S.Text()[^1]);
        t.Type("\u0015\u0010\u0010" + Left + "\u007f4\r");    // C-p C-p, edit: (+ 1 4)
        Assert.Equal("Line:(+ 1 4)", t.Last);
        Assert.Equal("* (+ 1 4)", t.S.Text()[^2]);
        t.Type(Up);
        Assert.Equal("(+ 1 4)", t.Current);
        t.Type(Up);                            // no repeats of the newest
        Assert.Equal("(* 2 3)", t.Current);
    }

    [Fact]
    public void MultiLineFormIsRecalledWhole()
    {
        var t = new Term();
        // The caller ends the form only when its reader has a whole form.
        foreach (var l in new[] { "(list 1\r", "  2)\r" })
        {
            foreach (byte b in Encoding.UTF8.GetBytes(l))
            {
                t.Ld.Feed(b); t.Ld.ClearEcho();
            }
            t.Ld.TakeLine();
        }
        t.Ld.EndForm();
        t.Type(Up);
        Assert.Equal("(list 1\n  2)", t.Current);
        Assert.Equal(new[] { "* (list 1", "  2)" }, t.S.Text());
        t.Type("\u0002\u0002" + "3 \r");
        Assert.Equal("Line:(list 1\n  3 2)", t.Last);
        t.Type(Up);
        Assert.Equal("(list 1\n  3 2)", t.Current);
    }

    [Fact]
    public void ReverseSearch()
    {
        var t = new Term().Type("(car x)\r(cdr y)\r(cons 1 2)\r(length z)\r");
        t.Type("\u0012c");
        Assert.Equal("(cons 1 2)", t.Current);      // the newest with a 'c'
        t.Type("o");
        Assert.Equal("(cons 1 2)", t.Current);
        Assert.Contains("(reverse-i-search)`co': (cons 1 2)", t.S.Text()[^1]);
        t.Type("\u007f\u0012\u0012");               // back to "c", two older matches
        Assert.Equal("(car x)", t.Current);
        t.Type("\r");
        Assert.Equal("Line:(car x)", t.Last);
        Assert.Equal("* (car x)", t.S.Text()[^2]);
        t.Type("keep\u0012zz\u0007");                // no match, C-g: the line as it was
        Assert.Equal("keep", t.Current);
        Assert.Equal("* keep", t.S.Text()[^1]);
        t.Type("\u0015\u0012len\u0005!\r");         // a non-search key takes the match and acts
        Assert.Equal("Line:(length z)!", t.Last);
    }

    [Fact]
    public void MovesByCodePoint()
    {
        var t = new Term().Type("aé€x" + Left + Left + "b" + Left + Left + "\u007f\r");
        Assert.Equal("Line:éb€x", t.Last.Replace("Line:a", "Line:"));
        Assert.Equal("Line:éb€x", t.Last);
        Assert.Equal("* éb€x", t.S.Text()[^2]);
    }

    [Fact]
    public void LongLineSkipsEditingAndHistory()
    {
        var t = new Term(lineMax: 16);
        t.Type(new string('x', 40) + Left + "\u0001\r");
        Assert.Equal(new[] { "Piece:" + new string('x', 16), "Piece:" + new string('x', 16), "Line:" + new string('x', 8) }, t.Events);
        // Only the first piece was echoed; the rest went by unseen.
        Assert.Equal("* " + new string('x', 16), t.S.Text()[0]);
        t.Type(Up);
        Assert.Equal("", t.Current);
    }

    [Fact]
    public void WidthDefaultsTo80AndIsClamped()
    {
        var ld = new LineDiscipline("\r\n");
        Assert.Equal(80, ld.Width);
        ld.Width = 0;
        Assert.Equal(8, ld.Width);
    }

    [Fact]
    public void TabShowsAsSpacesToTheNextStop()
    {
        var t = new Term().Type("a\tb" + Left + Left + "c\r");
        Assert.Equal("Line:ac\tb", t.Last);
        Assert.Equal("* ac    b", t.S.Text()[^2]);
    }

    // Random editing on narrow terminals: after every key the screen shows the line,
    // wrapped at the width, with the cursor where the editor says.
    [Theory]
    [InlineData(10, 1)]
    [InlineData(13, 2)]
    [InlineData(20, 3)]
    [InlineData(8, 4)]
    public void WrappingRedrawMatchesTheLine(int width, int seed)
    {
        var rnd = new Random(seed);
        var t = new Term(width, lineMax: 200);
        string[] keys = { "a", "b", "(", " ", "é", "€", Left, Right, Left, "\u0001", "\u0005", "\u007f", "\u0004",
            "\u000b", "\u0017", "\u0019", "\u001b[3~", "\u001b[1;5D", "\u001b[1;5C", Up, Down, "\u0015", "xyzw" };
        for (int step = 0; step < 3000; step++)
        {
            if (step % 300 == 299) { t.Type("\r"); continue; }
            string k = keys[rnd.Next(keys.Length)];
            if (k == "\u0004" && t.Ld.Length == 0) continue;     // Ctrl-D there is end of input
            t.Type(k);
            Check(t, width, step);
        }
    }

    static void Check(Term t, int width, int step)
    {
        string line = t.Current;
        var cells = ("* " + line).EnumerateRunes().Select(r => r.ToString()).ToList();
        var expect = new List<string>();
        for (int i = 0; i < cells.Count; i += width) expect.Add(string.Concat(cells.Skip(i).Take(width)).TrimEnd());
        // The rows from the prompt's on; an emptied row after a full one may remain.
        var shown = t.S.Text().Skip(t.PromptRow).ToList();
        while (shown.Count > expect.Count && shown[^1] == "") shown.RemoveAt(shown.Count - 1);
        Assert.True(expect.SequenceEqual(shown), $"step {step}: expected [{string.Join("|", expect)}] shown [{string.Join("|", shown)}] after {t.Log}");
        int idx = 2 + line[..Math.Min(line.Length, CharIndex(t))].EnumerateRunes().Count();
        int r = idx / width, c = idx % width;
        int sr = t.S.R - t.PromptRow, sc = t.S.C;
        // At the end of a full row the cursor is on its last column or at the next row's start.
        bool atEnd = idx == cells.Count && c == 0 && idx > 0 && sr == r - 1 && sc == width - 1;
        Assert.True(atEnd || (sr == r && sc == c), $"step {step}: cursor at {sr},{sc}, expected {r},{c} in [{line}] after {t.Log}");
    }

    static int CharIndex(Term t) => Encoding.UTF8.GetString(t.Ld.Line, 0, t.Ld.Cursor).Length;
}
