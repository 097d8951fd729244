// Why: a human on `xl console` (raw pty) or a Linux terminal in raw mode needs a line
// editor on the guest side: echo, BS/DEL, Ctrl-U, CR or LF ends the line, Ctrl-C and
// Ctrl-D are events. Pure byte state machine (no I/O, buffers allocated once), shared by
// the Xen console and the Linux tty mode, so it is unit-tested on bytes.
namespace XenPv.Console
{
    public enum LineEvent { None = 0, Line = 1, Piece = 2, Eof = 3, Interrupt = 4 }

    public unsafe sealed class LineDiscipline
    {
        public const int DefaultLineMax = 4096;
        private readonly byte[] line;
        private int len;
        private readonly byte[] echo;
        private int echoLen;
        private readonly string newLine;
        private bool lastCr;
        private int escState;          // 0 none, 1 after ESC, 2 inside CSI/SS3

        // Echo typed characters (a raw pty / tty does not echo itself).
        public bool Echo = true;

        // newLine: what Enter echoes ("\r\n" on a raw pty). lineMax bounds the editor's
        // buffer: a longer line is handed over in pieces (LineEvent.Piece).
        public LineDiscipline(string newLine, int lineMax = DefaultLineMax)
        {
            this.newLine = newLine;
            line = new byte[lineMax];
            echo = new byte[4 * lineMax + 64];
        }

        public byte[] Line { get { return line; } }
        public int Length { get { return len; } }
        public byte[] EchoBuffer { get { return echo; } }
        public int EchoLength { get { return echoLen; } }
        public void ClearEcho() { echoLen = 0; }

        // After Line/Piece/Interrupt the caller has taken the line: start a new one.
        public void TakeLine() { len = 0; }

        // One input byte. Line: Line[0..Length) is a complete line (without its end).
        // Piece: the buffer is full, Line[0..Length) is the start of a longer line. Eof:
        // Ctrl-D on an empty line. Interrupt: Ctrl-C (the line so far is discarded).
        public LineEvent Feed(byte b)
        {
            bool wasCr = lastCr;
            lastCr = false;
            if (escState != 0)
            {
                // Cursor keys and other escape sequences: swallowed, not inserted.
                if (escState == 1) { escState = b == (byte)'[' || b == (byte)'O' ? 2 : 0; return LineEvent.None; }
                if (b >= 0x40 && b <= 0x7E) escState = 0;
                return LineEvent.None;
            }
            switch (b)
            {
                case (byte)'\n':
                    if (wasCr) return LineEvent.None;     // CR LF is one line end
                    EchoString(newLine);
                    return LineEvent.Line;
                case (byte)'\r':
                    lastCr = true;
                    EchoString(newLine);
                    return LineEvent.Line;
                case 0x08:
                case 0x7F:
                    if (len > 0) { RemoveLastChar(); EchoString("\b \b"); }
                    return LineEvent.None;
                case 0x15:                                 // Ctrl-U: kill the line
                    while (len > 0) { RemoveLastChar(); EchoString("\b \b"); }
                    return LineEvent.None;
                case 0x03:                                 // Ctrl-C
                    len = 0;
                    EchoString("^C");
                    EchoString(newLine);
                    return LineEvent.Interrupt;
                case 0x04:                                 // Ctrl-D: end of input at an empty line
                    return len == 0 ? LineEvent.Eof : LineEvent.None;
                case 0x1B:
                    escState = 1;
                    return LineEvent.None;
            }
            if (b < 0x20 && b != (byte)'\t') return LineEvent.None;   // other control characters
            line[len++] = b;
            if (Echo && echoLen < echo.Length) echo[echoLen++] = b;
            return len == line.Length ? LineEvent.Piece : LineEvent.None;
        }

        // One character = one UTF-8 sequence: drop continuation bytes with their lead byte.
        private void RemoveLastChar()
        {
            while (len > 0 && (line[len - 1] & 0xC0) == 0x80) len--;
            if (len > 0) len--;
        }

        private void EchoString(string s)
        {
            if (!Echo) return;
            for (int i = 0; i < s.Length && echoLen < echo.Length; i++) echo[echoLen++] = (byte)s[i];
        }
    }
}
