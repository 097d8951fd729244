// Why: a human on `xl console` (raw pty) or a Linux terminal in raw mode needs a line
// editor on the guest side: echo, cursor keys, Emacs keys, history, Ctrl-C and Ctrl-D as
// events. Pure byte state machine (no I/O, buffers allocated once), shared by the Xen
// console and the Linux tty mode, so it is unit-tested on bytes.
// Screen policy: a wrapping redraw. The editor knows the prompt's column (PromptColumn) and
// the terminal's width (Width, from `cols=`); it keeps the cursor's row and column relative
// to the start of the line and always breaks rows itself (CR LF) instead of relying on the
// terminal's autowrap, so lines longer than the width, and multi-line forms recalled from
// history, redraw correctly. Every code point is one column; a tab shows as spaces to the
// next multiple of 8. A line longer than the buffer stops being edited (and echoed) and
// goes by in pieces; it is not kept in the history. Echo is best-effort: what does not fit
// the echo buffer is dropped.
namespace XenPv.Console
{
    public enum LineEvent { None = 0, Line = 1, Piece = 2, Eof = 3, Interrupt = 4 }

    public unsafe sealed class LineDiscipline
    {
        public const int DefaultLineMax = 4096;
        public const int DefaultWidth = 80;
        const int QueryMax = 64;
        const string RowBreak = "\r\n";

        private readonly byte[] line;
        private int len, pos;
        private readonly byte[] echo;
        private int echoLen;
        private readonly string newLine;
        private bool lastCr;
        private readonly EscapeDecoder esc = new EscapeDecoder();

        // History: the entries, the one shown (-1: the line being typed, kept in saved).
        private readonly LineHistory history;
        private readonly byte[] saved;
        private int savedLen, histIndex = -1;
        // The lines of the form being typed, joined by LF: one history entry at EndForm.
        private readonly byte[] form;
        private int formLen;
        private bool formTooLong;
        private readonly byte[] kill;
        private int killLen;
        private bool longLine;       // past the buffer: no editing until the line ends

        // Reverse search (C-r): the query, the match shown, the state to go back to (C-g).
        private bool searching, searchFailed;
        private readonly byte[] query = new byte[QueryMax];
        private int queryLen, searchIndex, searchOffset, searchOrigHist, searchOrigPos;
        private readonly byte[] label = new byte[QueryMax + 32];
        private int labelLen;

        // The cursor as the terminal shows it, relative to the line's start (row 0 begins at
        // the prompt column). col == width: just after the last column (the row is full).
        private int row, col;
        private int width = DefaultWidth;

        // The column of the last cursor position report (CSI row ; col R) the terminal sent,
        // 0 when none came; the console takes it (a width query) and sets it back to 0.
        public int ReportedColumn;

        // Echo typed characters (a raw pty / tty does not echo itself).
        public bool Echo = true;
        // The column where the line starts (after the prompt): "* " and "  " are 2. Set before
        // anything is typed on the line (a change later applies from the next line).
        private int promptColumn = 2;
        public int PromptColumn
        {
            get { return promptColumn; }
            set
            {
                promptColumn = value < 0 ? 0 : value;
                if (len == 0 && row == 0 && !longLine && !searching) col = Start;
            }
        }

        // The terminal's width in columns (`cols=`, SIGWINCH); kept within 8..1000.
        public int Width
        {
            get { return width; }
            set { width = value < 8 ? 8 : value > 1000 ? 1000 : value; }
        }

        // newLine: what Enter echoes ("\r\n" on a raw pty). lineMax bounds the editor's
        // buffer: a longer line is handed over in pieces (LineEvent.Piece). The history keeps
        // LineHistory.DefaultEntries entries in LineHistory.DefaultBytes bytes.
        public LineDiscipline(string newLine, int lineMax = DefaultLineMax)
        {
            this.newLine = newLine;
            line = new byte[lineMax];
            saved = new byte[lineMax];
            form = new byte[lineMax];
            kill = new byte[lineMax];
            echo = new byte[10 * lineMax + 512];
            history = new LineHistory();
            col = Start;
        }

        public byte[] Line { get { return line; } }
        public int Length { get { return len; } }
        public int Cursor { get { return pos; } }
        public LineHistory History { get { return history; } }
        public byte[] EchoBuffer { get { return echo; } }
        public int EchoLength { get { return echoLen; } }
        public void ClearEcho() { echoLen = 0; }

        int Start { get { return promptColumn % width; } }

        // After Line/Piece/Interrupt the caller has taken the line: start a new one.
        public void TakeLine()
        {
            len = 0; pos = 0;
            row = 0; col = Start;
            histIndex = -1;
            searching = false;
        }

        // The form the lines since the last EndForm belong to is complete (the caller's reader
        // says so): it becomes one history entry, unless too long or blank.
        public void EndForm()
        {
            bool blank = true;
            for (int i = 0; i < formLen; i++)
                if (form[i] != (byte)' ' && form[i] != (byte)'\t' && form[i] != (byte)'\n') { blank = false; break; }
            if (!formTooLong && !blank) history.Add(form, formLen);
            DiscardForm();
        }

        // The lines since the last EndForm are not a form to remember (data a program read).
        public void DiscardForm() { formLen = 0; formTooLong = false; }

        // One input byte. Line: Line[0..Length) is a complete line (without its end; a line
        // recalled from a multi-line entry has LFs inside). Piece: the buffer is full,
        // Line[0..Length) is the start of a longer line. Eof: Ctrl-D on an empty line.
        // Interrupt: Ctrl-C (the line so far is discarded).
        public LineEvent Feed(byte b)
        {
            bool wasCr = lastCr;
            lastCr = false;
            EditKey key;
            EscapeResult r = esc.Feed(b, out key);
            if (r == EscapeResult.Pending) return LineEvent.None;
            if (r == EscapeResult.Key)
            {
                // The terminal's answer to a width query (CSI 6n): noted, never an edit.
                if (key == EditKey.CursorReport) { ReportedColumn = esc.Param1; return LineEvent.None; }
                if (longLine) return LineEvent.None;
                if (searching) EndSearch();
                DoKey(key);
                return LineEvent.None;
            }
            if (longLine) return FeedLong(b, wasCr);
            if (searching && SearchByte(b)) return LineEvent.None;
            switch (b)
            {
                case (byte)'\n':
                    if (wasCr) return LineEvent.None;     // CR LF is one line end
                    return EndLine();
                case (byte)'\r':
                    lastCr = true;
                    return EndLine();
                case 0x03: return Interrupt();             // Ctrl-C
                case 0x04:                                 // Ctrl-D: end of input at an empty line
                    if (len == 0) return LineEvent.Eof;
                    DoKey(EditKey.Delete);
                    return LineEvent.None;
                case 0x08:
                case 0x7F: Backspace(); return LineEvent.None;
                case 0x01: DoKey(EditKey.Home); return LineEvent.None;
                case 0x05: DoKey(EditKey.End); return LineEvent.None;
                case 0x02: DoKey(EditKey.Left); return LineEvent.None;
                case 0x06: DoKey(EditKey.Right); return LineEvent.None;
                case 0x10: DoKey(EditKey.Up); return LineEvent.None;       // C-p
                case 0x0E: DoKey(EditKey.Down); return LineEvent.None;     // C-n
                case 0x0B: KillRange(pos, len); return LineEvent.None;     // C-k
                case 0x15: KillToStart(); return LineEvent.None;           // C-u
                case 0x17: KillRange(WordStart(pos, false), pos); return LineEvent.None;   // C-w
                case 0x19: Yank(); return LineEvent.None;                  // C-y
                case 0x12: StartSearch(); return LineEvent.None;           // C-r
                case 0x0C: Redraw(); return LineEvent.None;                // C-l: redraw the line
            }
            if (b < 0x20 && b != (byte)'\t') return LineEvent.None;   // other control characters
            return Insert(b);
        }

        void DoKey(EditKey key)
        {
            switch (key)
            {
                case EditKey.Left: if (pos > 0) { pos = PrevChar(pos); MoveCursor(); } break;
                case EditKey.Right: if (pos < len) { pos = NextChar(pos); MoveCursor(); } break;
                case EditKey.Home: pos = 0; MoveCursor(); break;
                case EditKey.End: pos = len; MoveCursor(); break;
                case EditKey.WordLeft: pos = WordStart(pos, true); MoveCursor(); break;
                case EditKey.WordRight: pos = WordEnd(pos); MoveCursor(); break;
                case EditKey.Delete: if (pos < len) { Remove(pos, NextChar(pos)); Redraw(); } break;
                case EditKey.KillWordBack: KillRange(WordStart(pos, true), pos); break;
                case EditKey.KillWordForward: KillRange(pos, WordEnd(pos)); break;
                case EditKey.Up: Recall(histIndex + 1); break;
                case EditKey.Down: Recall(histIndex - 1); break;
            }
        }

        LineEvent EndLine()
        {
            if (searching) EndSearch();
            MoveTo(len);
            EchoString(newLine);
            // The line joins the form being typed (one history entry at EndForm).
            int need = (formLen > 0 ? 1 : 0) + len;
            if (formTooLong || formLen + need >= form.Length) formTooLong = true;
            else
            {
                if (formLen > 0) form[formLen++] = (byte)'\n';
                for (int i = 0; i < len; i++) form[formLen++] = line[i];
            }
            histIndex = -1;
            return LineEvent.Line;
        }

        LineEvent Interrupt()
        {
            searching = false;
            longLine = false;
            MoveTo(len);
            len = 0; pos = 0;
            histIndex = -1;
            DiscardForm();
            EchoString("^C");
            EchoString(newLine);
            return LineEvent.Interrupt;
        }

        // Past the buffer: bytes are collected (no editing, no echo) until the line ends.
        LineEvent FeedLong(byte b, bool wasCr)
        {
            switch (b)
            {
                case (byte)'\n':
                    if (wasCr) return LineEvent.None;
                    longLine = false;
                    EchoString(newLine);
                    return LineEvent.Line;
                case (byte)'\r':
                    lastCr = true;
                    longLine = false;
                    EchoString(newLine);
                    return LineEvent.Line;
                case 0x03: return Interrupt();
            }
            if (b < 0x20 && b != (byte)'\t') return LineEvent.None;
            line[len++] = b;
            pos = len;
            return len == line.Length ? LineEvent.Piece : LineEvent.None;
        }

        LineEvent Insert(byte b)
        {
            if (len == line.Length) return LineEvent.None;      // full, cursor inside: refused
            if (pos == len)
            {
                line[len++] = b;
                pos = len;
                if (Echo) Step(b, ref row, ref col, true);
                if (len < line.Length) return LineEvent.None;
                // The buffer is full: this line is not edited any more, nor remembered.
                longLine = true;
                formTooLong = true;
                return LineEvent.Piece;
            }
            for (int i = len; i > pos; i--) line[i] = line[i - 1];
            line[pos++] = b;
            len++;
            // A multi-byte character is drawn when its last byte came.
            if (CharComplete(pos)) Redraw();
            return LineEvent.None;
        }

        void Backspace()
        {
            if (pos == 0) return;
            int start = PrevChar(pos);
            if (pos == len && col > 0 && col < width && line[start] != (byte)'\t')
            {
                len = pos = start;
                EchoString("\b \b");
                col--;
                return;
            }
            Remove(start, pos);
            Redraw();
        }

        void KillToStart()
        {
            if (pos == 0) return;
            bool simple = pos == len && row == 0 && col < width;
            for (int i = 0; i < len && simple; i++) if (line[i] == (byte)'\t' || line[i] == (byte)'\n') simple = false;
            if (!simple) { KillRange(0, pos); return; }
            // The whole line is on the prompt's row: rub it out as Ctrl-U always did.
            SaveKill(0, pos);
            while (pos > 0) { pos = PrevChar(pos); EchoString("\b \b"); col--; }
            len = 0;
        }

        void KillRange(int from, int to)
        {
            if (to <= from) return;
            SaveKill(from, to);
            Remove(from, to);
            Redraw();
        }

        void SaveKill(int from, int to)
        {
            killLen = to - from;
            for (int i = 0; i < killLen; i++) kill[i] = line[from + i];
        }

        void Yank()
        {
            if (killLen == 0 || len + killLen > line.Length - 1) return;
            for (int i = len - 1; i >= pos; i--) line[i + killLen] = line[i];
            for (int i = 0; i < killLen; i++) line[pos + i] = kill[i];
            len += killLen;
            pos += killLen;
            Redraw();
        }

        void Remove(int from, int to)
        {
            int n = to - from;
            for (int i = to; i < len; i++) line[i - n] = line[i];
            len -= n;
            pos = from;
        }

        // History entry i (0 = newest; -1 = the line that was being typed).
        void Recall(int i)
        {
            if (i < -1 || i >= history.Count || i == histIndex) return;
            if (histIndex == -1) { savedLen = len; for (int k = 0; k < len; k++) saved[k] = line[k]; }
            histIndex = i;
            if (i == -1) { len = savedLen; for (int k = 0; k < len; k++) line[k] = saved[k]; }
            else len = history.CopyTo(i, line);
            pos = len;
            Redraw();
        }

        void StartSearch()
        {
            if (searching) { SearchNext(); return; }
            searching = true;
            searchFailed = false;
            queryLen = 0;
            searchIndex = -1;
            searchOffset = 0;
            searchOrigHist = histIndex;
            searchOrigPos = pos;
            if (histIndex == -1) { savedLen = len; for (int k = 0; k < len; k++) saved[k] = line[k]; }
            ShowSearch();
        }

        // A byte while searching: true when the search used it; otherwise the search ends
        // with its match as the line and the byte is handled as usual.
        bool SearchByte(byte b)
        {
            if (b == 0x12) { SearchNext(); return true; }
            if (b == 0x07)
            {
                // C-g: back to the line as it was.
                searching = false;
                histIndex = searchOrigHist;
                if (histIndex == -1) { len = savedLen; for (int k = 0; k < len; k++) line[k] = saved[k]; }
                else len = history.CopyTo(histIndex, line);
                pos = searchOrigPos <= len ? searchOrigPos : len;
                Redraw();
                return true;
            }
            if (b == 0x08 || b == 0x7F)
            {
                if (queryLen > 0)
                {
                    queryLen--;
                    while (queryLen > 0 && (query[queryLen] & 0xC0) == 0x80) queryLen--;
                }
                Find(0, -1);
                return true;
            }
            if (b < 0x20) { EndSearch(); return false; }
            if (queryLen < QueryMax) query[queryLen++] = b;
            Find(searchIndex < 0 ? 0 : searchIndex, -1);
            return true;
        }

        void SearchNext()
        {
            if (queryLen == 0 || searchIndex < 0) { ShowSearch(); return; }
            if (searchOffset > 0) Find(searchIndex, searchOffset - 1);
            else Find(searchIndex + 1, -1);
        }

        void Find(int from, int maxOffset)
        {
            if (queryLen > 0)
            {
                int offset;
                int i = history.Search(query, queryLen, from, maxOffset, out offset);
                searchFailed = i < 0;
                if (i >= 0)
                {
                    searchIndex = i;
                    searchOffset = offset;
                    histIndex = i;
                    len = history.CopyTo(i, line);
                    pos = offset;
                }
            }
            else searchFailed = false;
            ShowSearch();
        }

        void ShowSearch()
        {
            labelLen = 0;
            AddLabel(searchFailed ? "(failed reverse-i-search)`" : "(reverse-i-search)`");
            for (int i = 0; i < queryLen; i++) label[labelLen++] = query[i];
            AddLabel("': ");
            Redraw();
        }

        void AddLabel(string s) { for (int i = 0; i < s.Length && labelLen < label.Length; i++) label[labelLen++] = (byte)s[i]; }

        void EndSearch()
        {
            searching = false;
            Redraw();
        }

        int PrevChar(int p)
        {
            if (p > 0) p--;
            while (p > 0 && (line[p] & 0xC0) == 0x80) p--;
            return p;
        }

        // Whether the UTF-8 sequence ending at p has all its bytes.
        bool CharComplete(int p)
        {
            int s = PrevChar(p);
            byte lead = line[s];
            int need = lead < 0xC0 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            return p - s >= need;
        }

        int NextChar(int p)
        {
            if (p < len) p++;
            while (p < len && (line[p] & 0xC0) == 0x80) p++;
            return p;
        }

        // Words: letters, digits and non-ASCII (alnum) or anything but blanks (C-w).
        bool IsWord(byte b, bool alnum)
        {
            if (!alnum) return b != (byte)' ' && b != (byte)'\t' && b != (byte)'\n';
            return b >= 0x80 || (b >= (byte)'0' && b <= (byte)'9') || ((b | 0x20) >= (byte)'a' && (b | 0x20) <= (byte)'z')
                || b == (byte)'-' || b == (byte)'*';
        }

        int WordStart(int p, bool alnum)
        {
            while (p > 0 && !IsWord(line[p - 1], alnum)) p--;
            while (p > 0 && IsWord(line[p - 1], alnum)) p--;
            return p;
        }

        int WordEnd(int p)
        {
            while (p < len && !IsWord(line[p], true)) p++;
            while (p < len && IsWord(line[p], true)) p++;
            return p;
        }

        // ---- the screen ----

        // Where byte b leaves the cursor (r, c); with emit, also draws it. Rows are broken
        // here (CR LF) before a character that would not fit.
        void Step(byte b, ref int r, ref int c, bool emit)
        {
            if ((b & 0xC0) == 0x80) { if (emit) Put(b); return; }     // continuation byte
            if (b == (byte)'\n') { if (emit) EchoString(RowBreak); r++; c = 0; return; }
            int n = 1;
            if (b == (byte)'\t')
            {
                int c0 = c >= width ? 0 : c;
                n = 8 - c0 % 8;
                if (c0 + n > width) n = width - c0;
            }
            for (int k = 0; k < n; k++)
            {
                if (c >= width) { if (emit) EchoString(RowBreak); r++; c = 0; }
                if (emit) Put(b == (byte)'\t' ? (byte)' ' : b);
                c++;
            }
        }

        // The cursor's place for buffer position p.
        void Locate(int p, out int r, out int c)
        {
            r = 0; c = Start;
            if (searching) for (int i = 0; i < labelLen; i++) Step(label[i], ref r, ref c, false);
            for (int i = 0; i < p; i++) Step(line[i], ref r, ref c, false);
            // On a character that starts the next row: there.
            if (c >= width && p < len && line[p] != (byte)'\n') { r++; c = 0; }
        }

        void MoveCursor() { MoveTo(pos); }

        void MoveTo(int p)
        {
            int r, c;
            Locate(p, out r, out c);
            MoveToCell(r, c);
        }

        void MoveToCell(int r, int c)
        {
            if (!Echo || (r == row && c == col)) return;
            if (r < row) Csi(row - r, 'A');
            else if (r > row) Csi(r - row, 'B');
            Put((byte)'\r');
            int shown = c >= width ? width - 1 : c;
            if (shown > 0) Csi(shown, 'C');
            row = r; col = c;
        }

        // Draws the line again from its start, clearing what was below, then puts the cursor.
        void Redraw()
        {
            if (!Echo) return;
            MoveToCell(0, Start);
            EchoString("\x1b[J");
            int r = 0, c = Start;
            if (searching) for (int i = 0; i < labelLen; i++) Step(label[i], ref r, ref c, true);
            for (int i = 0; i < len; i++) Step(line[i], ref r, ref c, true);
            row = r; col = c;
            MoveTo(pos);
        }

        void Csi(int n, char final)
        {
            Put(0x1B); Put((byte)'[');
            if (n >= 1000) Put((byte)('0' + n / 1000 % 10));
            if (n >= 100) Put((byte)('0' + n / 100 % 10));
            if (n >= 10) Put((byte)('0' + n / 10 % 10));
            Put((byte)('0' + n % 10));
            Put((byte)final);
        }

        void Put(byte b) { if (Echo && echoLen < echo.Length) echo[echoLen++] = b; }

        private void EchoString(string s)
        {
            if (!Echo) return;
            for (int i = 0; i < s.Length && echoLen < echo.Length; i++) echo[echoLen++] = (byte)s[i];
        }
    }
}
