// Why: the reader's bridge to Gc's packages (tokens are UTF-8 encoded into a C# buffer,
// then interned without allocating when the symbol exists) and its error-message builder
// (messages are composed into a byte buffer: no string concatenation in the kernel).
using LispVm.Gc;

namespace LispVm.Reader
{
    public sealed unsafe partial class LispReader
    {
        // fixed symbol slots (GC roots)
        const int SymQuote = 0, SymFunction = 1, SymQuasi = 2, SymUnquote = 3, SymUnquoteSplicing = 4, SymLabelMarker = 5, SymSharp = 6;
        readonly ulong[] syms = new ulong[7];

        void InitSymbols()
        {
            syms[SymQuote] = heap.InternExternal("QUOTE", heap.CommonLispPackage);
            syms[SymFunction] = heap.InternExternal("FUNCTION", heap.CommonLispPackage);
            syms[SymQuasi] = heap.InternExternal("QUASIQUOTE", heap.SystemPackage);
            syms[SymUnquote] = heap.InternExternal("UNQUOTE", heap.SystemPackage);
            syms[SymUnquoteSplicing] = heap.InternExternal("UNQUOTE-SPLICING", heap.SystemPackage);
            syms[SymLabelMarker] = heap.MakeSymbol("#N=-PLACEHOLDER");
        }

        /// <summary>The symbols backquote syntax reads as (QUASIQUOTE, UNQUOTE, UNQUOTE-SPLICING).</summary>
        public ulong QuasiquoteSymbol => syms[SymQuasi];
        public ulong UnquoteSymbol => syms[SymUnquote];
        public ulong UnquoteSplicingSymbol => syms[SymUnquoteSplicing];

        /// <summary>The function #P #S #A #C call (through the eval hook) with the object read
        /// after them, the dispatch character's code and the numeric argument (or NIL).</summary>
        public void SetSharpFunction(ulong sym) { syms[SymSharp] = sym; }

        /// <summary>Lets the VM choose other backquote symbols (e.g. its own %QUASIQUOTE).</summary>
        public void SetBackquoteSymbols(ulong quasi, ulong unquote, ulong splicing)
        {
            syms[SymQuasi] = quasi; syms[SymUnquote] = unquote; syms[SymUnquoteSplicing] = splicing;
        }

        ulong KeywordPackage => heap.KeywordPackage;

        int EncodeUtf8(int from, int to)
        {
            int n = 0;
            for (int i = from; i < to; i++)
            {
                int c = tok[i];
                if (c < 0x80) nameBuf[n++] = (byte)c;
                else if (c < 0x800) { nameBuf[n++] = (byte)(0xC0 | (c >> 6)); nameBuf[n++] = (byte)(0x80 | (c & 0x3F)); }
                else if (c < 0x10000)
                {
                    nameBuf[n++] = (byte)(0xE0 | (c >> 12)); nameBuf[n++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    nameBuf[n++] = (byte)(0x80 | (c & 0x3F));
                }
                else
                {
                    nameBuf[n++] = (byte)(0xF0 | (c >> 18)); nameBuf[n++] = (byte)(0x80 | ((c >> 12) & 0x3F));
                    nameBuf[n++] = (byte)(0x80 | ((c >> 6) & 0x3F)); nameBuf[n++] = (byte)(0x80 | (c & 0x3F));
                }
            }
            return n;
        }

        ulong InternName(int from, int to, ulong pkg)
        {
            int n = EncodeUtf8(from, to);
            fixed (byte* p = nameBuf) return heap.InternBytes(p, n, pkg);
        }

        ulong FindName(int from, int to, ulong pkg, out SymbolStatus how)
        {
            int n = EncodeUtf8(from, to);
            fixed (byte* p = nameBuf) return heap.FindSymbolBytes(p, n, pkg, out how);
        }

        ulong FindPackageNamed(int from, int to)
        {
            int n = EncodeUtf8(from, to);
            fixed (byte* p = nameBuf) return heap.FindPackageBytes(p, n);
        }

        // ------------------------------------------------------------ error text

        void Error(ReadErrorKind kind, int line, int col, string msg)
        {
            ErrorKind = kind; ErrorLine = line; ErrorColumn = col; ErrorLength = 0;
            Append(msg);
        }

        void AppendByte(int b) { if (ErrorLength < ErrorText.Length - 4) ErrorText[ErrorLength++] = (byte)b; }

        void Append(string s) { for (int i = 0; i < s.Length; i++) AppendCode(s[i]); }

        void AppendCode(int c)
        {
            if (c < 0x80) AppendByte(c);
            else if (c < 0x800) { AppendByte(0xC0 | (c >> 6)); AppendByte(0x80 | (c & 0x3F)); }
            else if (c < 0x10000) { AppendByte(0xE0 | (c >> 12)); AppendByte(0x80 | ((c >> 6) & 0x3F)); AppendByte(0x80 | (c & 0x3F)); }
            else { AppendByte(0xF0 | (c >> 18)); AppendByte(0x80 | ((c >> 12) & 0x3F)); AppendByte(0x80 | ((c >> 6) & 0x3F)); AppendByte(0x80 | (c & 0x3F)); }
        }

        void AppendInt(long v)
        {
            if (v < 0) { AppendByte('-'); v = -v; }
            long div = 1;
            while (v / div >= 10) div *= 10;
            for (; div > 0; div /= 10) AppendByte((int)('0' + (v / div) % 10));
        }

        void AppendPos(int line, int col) { AppendInt(line); AppendByte(':'); AppendInt(col); }

        void AppendChars(int from, int to)
        {
            int n = to - from; if (n > 80) to = from + 80;
            for (int i = from; i < to; i++) AppendCode(tok[i]);
            if (n > 80) Append("...");
        }

        void AppendToken() => AppendChars(0, tokLen);

        /// <summary>The last error as "line:col: message" UTF-8 bytes into buf; returns the length.</summary>
        public int FormatError(byte[] buf)
        {
            int n = 0;
            n = PutInt(buf, n, ErrorLine); if (n < buf.Length) buf[n++] = (byte)':';
            n = PutInt(buf, n, ErrorColumn); if (n < buf.Length) buf[n++] = (byte)':';
            if (n < buf.Length) buf[n++] = (byte)' ';
            for (int i = 0; i < ErrorLength && n < buf.Length; i++) buf[n++] = ErrorText[i];
            return n;
        }

        static int PutInt(byte[] buf, int n, long v)
        {
            long div = 1;
            while (v / div >= 10) div *= 10;
            for (; div > 0 && n < buf.Length; div /= 10) buf[n++] = (byte)('0' + (v / div) % 10);
            return n;
        }
    }
}
