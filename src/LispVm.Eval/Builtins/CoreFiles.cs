// File streams over IPlatform's four file calls (hosted: System.IO; image on Linux:
// syscalls; Xen: the in-memory store). An input file is read and UTF-8-decoded whole into
// a Lisp string when opened (then read like a string stream); an output file is created
// or truncated at open, buffered in a Lisp string, and appended to at FINISH-OUTPUT and
// CLOSE. Errors come back to Lisp as negative fixnum codes; lisp/74-streams.lisp turns
// them into FILE-ERRORs naming the path. A platform without a file system (Xen) answers
// 95 and the files live in an in-memory store instead: an EQUAL hash table (Vm.Roots
// [FileStore]) from path string to a byte vector of the contents, lost at power-off;
// directories are implicit there ("dir/" and "." exist).
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    const int PathBytesMax = 4096;

    static void RegisterFiles(Builtins b)
    {
        b.Def("%FILE-OPEN-INPUT", 1, 2, &FileOpenInput);
        b.Def("%FILE-OPEN-OUTPUT", 2, 3, &FileOpenOutput);
        b.Def("%STREAM-ELT", 1, 1, &StreamElt);
        b.Def("%FILE-FLUSH", 1, 1, &FileFlush);
        b.Def("%STREAM-CLOSE", 1, 1, &StreamClose);
        b.Def("%STREAM-KIND", 1, 1, &StreamKind);
        b.Def("%STREAM-PATH", 1, 1, &StreamPath);
        b.Def("%FILE-POSITION", 1, 1, &FilePositionB);
        b.Def("%SET-FILE-POSITION", 2, 2, &SetFilePosition);
        b.Def("%FILE-LENGTH", 1, 1, &FileLengthB);
        b.Def("%FILE-SIZE", 1, 1, &FileSizeB);
        b.Def("%FILE-DELETE", 1, 1, &FileDeleteB);
        b.Def("%DIR-CREATE", 1, 1, &DirCreateB);
        b.Def("%STREAM-LINE", 1, 2, &StreamLine);
    }

    static ulong ClosedStream(Vm vm, ulong s) { return vm.SimpleError("The stream ~S is closed.", s); }

    /// <summary>UTF-8 of a Lisp string into buf; byte count, or -1 if not a string or too long.</summary>
    static int PathBytes(Vm vm, ulong str, byte* buf)
    {
        if (!vm.Heap.IsString(str)) return -1;
        int n = M.Len(str), k = 0;
        for (int i = 0; i < n; i++)
        {
            int c = vm.Heap.StringChar(str, i);
            if (k + 4 >= PathBytesMax) return -1;
            k += Utf8Put(buf + k, c);
        }
        return k;
    }

    static int Utf8Put(byte* d, int c)
    {
        if (c < 0x80) { d[0] = (byte)c; return 1; }
        if (c < 0x800) { d[0] = (byte)(0xC0 | (c >> 6)); d[1] = (byte)(0x80 | (c & 0x3F)); return 2; }
        if (c < 0x10000) { d[0] = (byte)(0xE0 | (c >> 12)); d[1] = (byte)(0x80 | ((c >> 6) & 0x3F)); d[2] = (byte)(0x80 | (c & 0x3F)); return 3; }
        d[0] = (byte)(0xF0 | (c >> 18)); d[1] = (byte)(0x80 | ((c >> 12) & 0x3F)); d[2] = (byte)(0x80 | ((c >> 6) & 0x3F)); d[3] = (byte)(0x80 | (c & 0x3F));
        return 4;
    }

    /// <summary>Decodes one UTF-8 character at p[pos..n); malformed bytes stand for themselves.</summary>
    static int Utf8Next(byte* p, long n, ref long pos)
    {
        int b0 = p[pos];
        int need = b0 < 0x80 ? 0 : (b0 & 0xE0) == 0xC0 ? 1 : (b0 & 0xF0) == 0xE0 ? 2 : (b0 & 0xF8) == 0xF0 ? 3 : -1;
        if (need <= 0 || pos + need >= n) { pos++; return b0; }
        int c = need == 1 ? b0 & 0x1F : need == 2 ? b0 & 0x0F : b0 & 0x07;
        for (int i = 1; i <= need; i++)
        {
            int bi = p[pos + i];
            if ((bi & 0xC0) != 0x80) { pos++; return b0; }
            c = (c << 6) | (bi & 0x3F);
        }
        pos += need + 1;
        return c;
    }

    static ulong FileCode(long code) { return M.Fix(code); }

    static ulong FileOpenInput(Vm vm, Args a)
    {
        byte* path = stackalloc byte[PathBytesMax];
        int pn = PathBytes(vm, a[0], path);
        if (pn <= 0) return vm.TypeError(a[0], "STRING");
        long size = FsSize(vm, a[0], path, pn);
        if (size < 0) return FileCode(size);
        if (size > int.MaxValue / 2) return FileCode(-27);        // EFBIG: more than a Lisp string holds
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rb = h.PushRoot(h.AllocRaw(ObjType.ByteVector, size));
        long got = FsRead(vm, a[0], path, pn, M.Raw(h.Root(rb)), size);
        if (got < 0) { h.PopRoots(m); return FileCode(got); }
        // Count characters, then decode into a string of the right width (the byte vector
        // may move while the string is allocated: re-read its address from the root).
        // A byte stream (element type given) keeps one character per byte.
        bool raw = a.Count > 1 && a[1] != W.Nil;
        byte* p = M.Raw(h.Root(rb));
        long pos = 0; int count = 0, max = 0;
        if (raw) count = (int)got;
        else while (pos < got) { int c = Utf8Next(p, got, ref pos); count++; if (c > max) max = c; }
        int rs = h.PushRoot(h.MakeStringN(count, max > 0xFF));
        p = M.Raw(h.Root(rb));
        byte* d = M.Raw(h.Root(rs));
        pos = 0;
        if (raw) for (int i = 0; i < count; i++) d[i] = p[i];
        else if (max > 0xFF) { uint* d32 = (uint*)d; for (int i = 0; i < count; i++) d32[i] = (uint)Utf8Next(p, got, ref pos); }
        else for (int i = 0; i < count; i++) d[i] = (byte)Utf8Next(p, got, ref pos);
        ulong s = vm.MakeStream(KFileIn, h.Root(rs));
        h.SetSlot(s, SEnd, M.Fix(count));
        int rst = h.PushRoot(s);
        h.SetSlot(h.Root(rst), SPath, a[0]);
        if (raw) h.SetSlot(h.Root(rst), SElt, a[1]);
        s = h.Root(rst);
        h.PopRoots(m);
        return s;
    }

    static ulong FileOpenOutput(Vm vm, Args a)
    {
        byte* path = stackalloc byte[PathBytesMax];
        int pn = PathBytes(vm, a[0], path);
        if (pn <= 0) return vm.TypeError(a[0], "STRING");
        bool append = a[1] != W.Nil;
        long r = FsWrite(vm, a[0], path, pn, -1, 0, append);   // create or truncate now
        if (r < 0) return FileCode(r);
        long start = 0;
        if (append) { start = FsSize(vm, a[0], path, pn); if (start < 0) start = 0; }
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rp = h.PushRoot(a[0]);
        int re = h.PushRoot(a.Count > 2 ? a[2] : W.Nil);
        ulong s = vm.MakeStream(KFileOut, W.Nil);
        h.SetSlot(s, SPath, h.Root(rp));
        h.SetSlot(s, SEnd, M.Fix(start));
        h.SetSlot(s, SElt, h.Root(re));
        h.PopRoots(m);
        return s;
    }

    /// <summary>Writes the buffered characters of a file output stream; T or a code.</summary>
    static ulong FileFlush(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!M.Is(s, ObjType.Stream) || M.Slot(s, SKind) != M.Fix(KFileOut)) return W.Nil;
        int fill = (int)M.FixVal(M.Slot(s, SFill));
        if (fill == 0) return vm.T;
        byte* path = stackalloc byte[PathBytesMax];
        int pn = PathBytes(vm, M.Slot(s, SPath), path);
        if (pn <= 0) return FileCode(-22);
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rs = h.PushRoot(s);
        // UTF-8 needs at most 4 bytes a character.
        int rb = h.PushRoot(h.AllocRaw(ObjType.ByteVector, (long)fill * 4));
        s = h.Root(rs);
        uint* src = (uint*)M.Raw(M.Slot(s, SBuf));
        byte* dst = M.Raw(h.Root(rb));
        long k = 0;
        if (M.Slot(s, SElt) != W.Nil) for (int i = 0; i < fill; i++) dst[k++] = (byte)src[i];   // a byte stream
        else for (int i = 0; i < fill; i++) k += Utf8Put(dst + k, (int)src[i]);
        long r = FsWrite(vm, M.Slot(s, SPath), path, pn, rb, k, true);
        s = h.Root(rs);
        h.PopRoots(m);
        if (r < 0) return FileCode(r);
        h.SetSlot(s, SEnd, M.Fix(M.FixVal(M.Slot(s, SEnd)) + fill));
        h.SetSlot(s, SFill, M.Fix(0));
        return vm.T;
    }

    static ulong StreamClose(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Stream)) return vm.TypeError(a[0], "STREAM");
        long k = M.FixVal(M.Slot(a[0], SKind));
        if (k == KConsoleOut || k == KConsoleIn) return W.Nil;   // the console stays open
        if (k == KClosed) return W.Nil;
        vm.Heap.SetSlot(a[0], SKind, M.Fix(KClosed));
        vm.Heap.SetSlot(a[0], SBuf, W.Nil);
        return vm.T;
    }

    static ulong StreamElt(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Stream)) return vm.TypeError(a[0], "STREAM");
        return M.Slot(a[0], SElt);
    }

    static ulong StreamKind(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Stream)) return vm.TypeError(a[0], "STREAM");
        return M.Slot(a[0], SKind);
    }

    static ulong StreamPath(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Stream)) return vm.TypeError(a[0], "STREAM");
        return M.Slot(a[0], SPath);
    }

    /// <summary>Position in characters: input streams, the read index; output, what was
    /// written (file: already flushed plus buffered); NIL for the console.</summary>
    static ulong FilePositionB(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Stream)) return vm.TypeError(a[0], "STREAM");
        long k = M.FixVal(M.Slot(a[0], SKind));
        long fill = M.FixVal(M.Slot(a[0], SFill));
        if (k == KStringIn || k == KFileIn || k == KStringOut) return M.Fix(fill);
        if (k == KFileOut) return M.Fix(M.FixVal(M.Slot(a[0], SEnd)) + fill);
        return W.Nil;
    }

    static ulong SetFilePosition(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Stream)) return vm.TypeError(a[0], "STREAM");
        long k = M.FixVal(M.Slot(a[0], SKind));
        if (k != KStringIn && k != KFileIn) return W.Nil;          // output: not repositionable here
        long end = M.FixVal(M.Slot(a[0], SEnd));
        long p = a[1] == vm.Intern(":START") ? 0 : a[1] == vm.Intern(":END") ? end : M.IsFix(a[1]) ? M.FixVal(a[1]) : -1;
        if (p < 0 || p > end) return W.Nil;
        vm.Heap.SetSlot(a[0], SFill, M.Fix(p));
        return vm.T;
    }

    static ulong FileLengthB(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Stream)) return vm.TypeError(a[0], "STREAM");
        long k = M.FixVal(M.Slot(a[0], SKind));
        if (k == KFileIn) return M.Slot(a[0], SEnd);
        if (k == KFileOut) return M.Fix(M.FixVal(M.Slot(a[0], SEnd)) + M.FixVal(M.Slot(a[0], SFill)));
        return vm.TypeError(a[0], "FILE-STREAM");
    }

    static ulong FileSizeB(Vm vm, Args a)
    {
        byte* path = stackalloc byte[PathBytesMax];
        int pn = PathBytes(vm, a[0], path);
        if (pn <= 0) return vm.TypeError(a[0], "STRING");
        return M.Fix(FsSize(vm, a[0], path, pn));
    }

    static ulong FileDeleteB(Vm vm, Args a)
    {
        byte* path = stackalloc byte[PathBytesMax];
        int pn = PathBytes(vm, a[0], path);
        if (pn <= 0) return vm.TypeError(a[0], "STRING");
        return M.Fix(FsDelete(vm, a[0], path, pn));
    }

    // (%dir-create path): one directory, as IPlatform.DirCreate answers (0 created, 1 there
    // already, negative code; -95 where the platform has no file system).
    static ulong DirCreateB(Vm vm, Args a)
    {
        byte* path = stackalloc byte[PathBytesMax];
        int pn = PathBytes(vm, a[0], path);
        if (pn <= 0) return vm.TypeError(a[0], "STRING");
        return M.Fix(vm.Platform.DirCreate(path, pn));
    }

    // ---- the platform's files, or the in-memory store where it has none ----
    // Each takes the path twice: as the Lisp string (the store's key) and as UTF-8 bytes
    // (for the platform).

    const long NoFileSystem = -95;

    static long FsSize(Vm vm, ulong path, byte* p, int pn)
    {
        long r = vm.Platform.FileSize(p, pn);
        return r == NoFileSystem ? MemSize(vm, path) : r;
    }

    static long FsRead(Vm vm, ulong path, byte* p, int pn, byte* dst, long max)
    {
        long r = vm.Platform.FileRead(p, pn, dst, max);
        return r == NoFileSystem ? MemRead(vm, path, dst, max) : r;
    }

    /// <summary>Writes the first n bytes of the byte vector at root index srcRoot (-1: none).</summary>
    static long FsWrite(Vm vm, ulong path, byte* p, int pn, int srcRoot, long n, bool append)
    {
        byte* src = srcRoot < 0 ? p : M.Raw(vm.Heap.Root(srcRoot));
        long r = vm.Platform.FileWrite(p, pn, src, n, append);
        return r == NoFileSystem ? MemWrite(vm, path, srcRoot, n, append) : r;
    }

    static long FsDelete(Vm vm, ulong path, byte* p, int pn)
    {
        long r = vm.Platform.FileDelete(p, pn);
        if (r != NoFileSystem) return r;
        ulong store = vm.Roots[(int)R.FileStore];
        return store != W.Nil && vm.Heap.HashRemove(store, path) ? 0 : -2;
    }

    /// <summary>Adds a file to the in-memory store (the kernel seeds it from the ramdisk).
    /// name and data must not point into the Lisp heap.</summary>
    public static void StoreFile(Vm vm, byte* name, int nameLength, byte* data, long length)
    {
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rp = h.PushRoot(h.MakeStringFromBytes(name, nameLength));
        int rb = h.PushRoot(h.AllocRaw(ObjType.ByteVector, length));
        byte* d = M.Raw(h.Root(rb));
        for (long i = 0; i < length; i++) d[i] = data[i];
        MemWrite(vm, h.Root(rp), rb, length, false);
        h.PopRoots(m);
    }

    static long MemSize(Vm vm, ulong path)
    {
        // Directories are implicit in the flat store: "." and any "dir/" exist (EISDIR).
        int n = M.Len(path);
        if (n == 0 || vm.Heap.StringChar(path, n - 1) == '/' || (n == 1 && vm.Heap.StringChar(path, 0) == '.')) return -21;
        ulong store = vm.Roots[(int)R.FileStore];
        if (store == W.Nil || !vm.Heap.HashGet(store, path, out ulong bv)) return -2;
        return M.Len(bv);
    }

    static long MemRead(Vm vm, ulong path, byte* dst, long max)
    {
        ulong store = vm.Roots[(int)R.FileStore];
        if (store == W.Nil || !vm.Heap.HashGet(store, path, out ulong bv)) return -2;
        long n = M.Len(bv);
        if (n > max) n = max;
        byte* src = M.Raw(bv);
        for (long i = 0; i < n; i++) dst[i] = src[i];
        return n;
    }

    /// <summary>Replaces (append false) or extends the file with the first n bytes of the
    /// byte vector at root index srcRoot (-1: no bytes). Allocates; the vector is re-read
    /// from its root after each allocation.</summary>
    internal static long MemWrite(Vm vm, ulong path, int srcRoot, long n, bool append)
    {
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rp = h.PushRoot(path);
        if (vm.Roots[(int)R.FileStore] == W.Nil) vm.Roots[(int)R.FileStore] = h.MakeHashTable(HashTest.Equal);
        long old = 0;
        ulong ov = W.Nil;
        if (append && h.HashGet(vm.Roots[(int)R.FileStore], h.Root(rp), out ov)) old = M.Len(ov);
        int ro = h.PushRoot(ov);
        int rn = h.PushRoot(h.AllocRaw(ObjType.ByteVector, old + n));
        byte* d = M.Raw(h.Root(rn));
        if (old > 0) { byte* o = M.Raw(h.Root(ro)); for (long i = 0; i < old; i++) d[i] = o[i]; }
        if (n > 0) { byte* sb = M.Raw(h.Root(srcRoot)); for (long i = 0; i < n; i++) d[old + i] = sb[i]; }
        h.HashPut(vm.Roots[(int)R.FileStore], h.Root(rp), h.Root(rn));
        h.PopRoots(m);
        return n;
    }

    /// <summary>1-based line number of an input stream's read position (for LOAD's messages).</summary>
    static ulong StreamLine(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Stream)) return vm.TypeError(a[0], "STREAM");
        long k = M.FixVal(M.Slot(a[0], SKind));
        if (k != KStringIn && k != KFileIn) return W.Nil;
        ulong buf = M.Slot(a[0], SBuf);
        long pos = a.Count > 1 && M.IsFix(a[1]) ? M.FixVal(a[1]) : M.FixVal(M.Slot(a[0], SFill)), line = 1;
        long end = M.FixVal(M.Slot(a[0], SEnd));
        if (pos > end) pos = end;
        for (int i = 0; i < pos; i++) if (vm.Heap.StringChar(buf, i) == '\n') line++;
        return M.Fix(line);
    }
}
