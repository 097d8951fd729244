// Why: terminals send cursor and editing keys as escape sequences (ESC [ params final, ESC O
// final) that may arrive split across console reads. This decodes them one byte at a time,
// so a sequence cut anywhere still yields one key; a control byte inside a sequence aborts
// it and is handled as itself (Enter and Ctrl-C always work), and a lone ESC followed by an
// ordinary byte drops the ESC. No allocation; the parameters are bounded. A cursor position
// report (the answer to CSI 6n) comes out as a key with its row and column.
namespace XenPv.Console
{
    public enum EditKey
    {
        None = 0, Up, Down, Left, Right, Home, End, Delete, WordLeft, WordRight,
        KillWordBack, KillWordForward,
        CursorReport,         // CSI row ; col R: the terminal's answer to CSI 6n (Param0, Param1)
    }

    public enum EscapeResult { Pass = 0, Pending = 1, Key = 2 }

    public sealed class EscapeDecoder
    {
        const int MaxParam = 9999;
        int state;            // 0 none, 1 after ESC, 2 inside CSI, 3 after SS3 (ESC O)
        int p0, p1, index;    // the first two numeric parameters, which one is being read

        public bool Active { get { return state != 0; } }
        // The first two parameters of the sequence that ended last (a cursor report's row, column).
        public int Param0 { get { return p0; } }
        public int Param1 { get { return p1; } }

        // Pass: b is not part of a sequence (handle it as a plain byte). Pending: consumed.
        // Key: a sequence ended; key is what it means (None for sequences we ignore).
        public EscapeResult Feed(byte b, out EditKey key)
        {
            key = EditKey.None;
            switch (state)
            {
                case 0:
                    if (b != 0x1B) return EscapeResult.Pass;
                    state = 1;
                    return EscapeResult.Pending;
                case 1:
                    if (b == (byte)'[') { state = 2; p0 = p1 = index = 0; return EscapeResult.Pending; }
                    if (b == (byte)'O') { state = 3; p0 = p1 = index = 0; return EscapeResult.Pending; }
                    if (b == 0x1B) return EscapeResult.Pending;          // ESC ESC: the first is dropped
                    state = 0;
                    // Meta (Alt) keys as ESC + key.
                    if (b == (byte)'b') { key = EditKey.WordLeft; return EscapeResult.Key; }
                    if (b == (byte)'f') { key = EditKey.WordRight; return EscapeResult.Key; }
                    if (b == (byte)'d') { key = EditKey.KillWordForward; return EscapeResult.Key; }
                    if (b == 0x7F || b == 0x08) { key = EditKey.KillWordBack; return EscapeResult.Key; }
                    return EscapeResult.Pass;                            // lone ESC: dropped
                default:
                    if (b < 0x20 || b >= 0x7F) { state = 0; return EscapeResult.Pass; }
                    if (b >= (byte)'0' && b <= (byte)'9')
                    {
                        if (index == 0) p0 = p0 < MaxParam ? p0 * 10 + (b - '0') : p0;
                        else if (index == 1) p1 = p1 < MaxParam ? p1 * 10 + (b - '0') : p1;
                        return EscapeResult.Pending;
                    }
                    if (b == (byte)';') { if (index < 2) index++; return EscapeResult.Pending; }
                    if (b < 0x40) return EscapeResult.Pending;           // private markers, intermediates
                    key = Decode(b, state == 3);
                    state = 0;
                    return EscapeResult.Key;
            }
        }

        EditKey Decode(byte final, bool ss3)
        {
            // xterm modifiers: parameter 2 is 1 + (1 shift, 2 alt, 4 ctrl); SS3 may carry it first.
            int mod = ss3 ? p0 : p1;
            bool word = mod >= 2 && ((mod - 1) & 6) != 0;
            switch (final)
            {
                case (byte)'A': return EditKey.Up;
                case (byte)'B': return EditKey.Down;
                case (byte)'C': return word ? EditKey.WordRight : EditKey.Right;
                case (byte)'D': return word ? EditKey.WordLeft : EditKey.Left;
                case (byte)'H': return EditKey.Home;
                case (byte)'F': return EditKey.End;
                case (byte)'R': return ss3 ? EditKey.None : EditKey.CursorReport;
                case (byte)'~':
                    if (ss3) return EditKey.None;
                    if (p0 == 1 || p0 == 7) return EditKey.Home;
                    if (p0 == 4 || p0 == 8) return EditKey.End;
                    if (p0 == 3) return EditKey.Delete;
                    return EditKey.None;
            }
            return EditKey.None;
        }
    }
}
