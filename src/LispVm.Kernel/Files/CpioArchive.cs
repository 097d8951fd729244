// Why: the guest's ramdisk (`ramdisk=` in the domain config, `lab/run.sh --files DIR`) is a
// cpio "newc" archive whose regular files seed the in-memory file store that LOAD and
// WITH-OPEN-FILE read on Xen. The archive is hostile input: every header field is parsed
// as exactly 8 hex digits and every length is checked against the archive's end before
// use; a malformed entry ends the walk with a reason, never a fault.
namespace LispVm.Kernel
{
    internal unsafe struct CpioEntry
    {
        public byte* Name; public int NameLength;   // without the NUL and a leading "./"
        public byte* Data; public long DataLength;
        public bool IsRegularFile;
    }

    internal unsafe struct CpioReader
    {
        const int HeaderBytes = 110;                 // "070701" + 13 fields of 8 hex digits
        readonly byte* _base;
        readonly long _length;
        long _pos;
        public string Error;                         // why the walk stopped early (null: clean end)

        public CpioReader(byte* archive, long length) { _base = archive; _length = length; _pos = 0; Error = null; }

        static long Align4(long x) { return (x + 3) & ~3L; }

        static bool Hex8(byte* p, out long v)
        {
            v = 0;
            for (int i = 0; i < 8; i++)
            {
                int c = p[i], d;
                if (c >= '0' && c <= '9') d = c - '0';
                else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
                else return false;
                v = (v << 4) | (long)d;
            }
            return true;
        }

        /// <summary>The next entry; false at the trailer, at the end, or on a malformed entry (Error set).</summary>
        public bool Next(out CpioEntry e)
        {
            e = default;
            if (_base == null || _pos + HeaderBytes > _length) { if (_pos < _length) Error = "truncated header"; return false; }
            byte* h = _base + _pos;
            if (h[0] != '0' || h[1] != '7' || h[2] != '0' || h[3] != '7' || h[4] != '0' || (h[5] != '1' && h[5] != '2'))
            { Error = "not a cpio newc archive (bad magic)"; return false; }
            long mode, fileSize, nameSize;
            if (!Hex8(h + 6 + 8 * 1, out mode) || !Hex8(h + 6 + 8 * 6, out fileSize) || !Hex8(h + 6 + 8 * 11, out nameSize))
            { Error = "bad header field"; return false; }
            if (nameSize < 1 || nameSize > 4096) { Error = "bad name length"; return false; }
            long nameAt = _pos + HeaderBytes;
            if (nameAt + nameSize > _length) { Error = "truncated name"; return false; }
            long dataAt = Align4(nameAt + nameSize);
            if (fileSize < 0 || dataAt > _length || fileSize > _length - dataAt) { Error = "truncated data"; return false; }
            byte* name = _base + nameAt;
            int n = (int)nameSize - 1;                 // the stored size counts the NUL
            if (name[n] != 0) { Error = "name not NUL-terminated"; return false; }
            if (n == 10 && IsTrailer(name)) return false;
            if (n >= 2 && name[0] == '.' && name[1] == '/') { name += 2; n -= 2; }
            e.Name = name; e.NameLength = n;
            e.Data = _base + dataAt; e.DataLength = fileSize;
            e.IsRegularFile = (mode & 0xF000) == 0x8000 && n > 0;
            _pos = Align4(dataAt + fileSize);
            return true;
        }

        static bool IsTrailer(byte* p)
        {
            const string t = "TRAILER!!!";
            for (int i = 0; i < 10; i++) if (p[i] != t[i]) return false;
            return true;
        }
    }
}
