// IPlatform's file calls for the hosted build: real files through System.IO, errors
// turned into the negative codes IPlatform documents (the Eval side never sees exceptions).
using System;
using System.IO;
using System.Text;

namespace LispVm.Hosted;

static unsafe class HostedFiles
{
    static string Path(byte* p, int n) { return Encoding.UTF8.GetString(p, n); }

    static long Code(Exception e)
    {
        if (e is FileNotFoundException || e is DirectoryNotFoundException) return -2;
        if (e is UnauthorizedAccessException) return -13;
        return -5;
    }

    public static long Size(byte* p, int n)
    {
        string f = Path(p, n);
        if (Directory.Exists(f)) return -21;
        if (!File.Exists(f)) return -2;
        // FileInfo describes a symbolic link itself (its length is the target path's):
        // follow links to the file, as the image's stat does (/usr/share/dict/words is one).
        try
        {
            FileSystemInfo fi = new FileInfo(f);
            if (fi.LinkTarget != null) fi = fi.ResolveLinkTarget(true) ?? fi;
            return ((FileInfo)fi).Length;
        }
        catch (Exception e) { return Code(e); }
    }

    public static long Read(byte* p, int n, byte* dst, long max)
    {
        try
        {
            using var fs = new FileStream(Path(p, n), FileMode.Open, FileAccess.Read);
            long got = 0;
            while (got < max)
            {
                int r = fs.Read(new Span<byte>(dst + got, (int)Math.Min(max - got, 1 << 20)));
                if (r <= 0) break;
                got += r;
            }
            return got;
        }
        catch (Exception e) { return Code(e); }
    }

    public static long Write(byte* p, int n, byte* src, long len, bool append)
    {
        string f = Path(p, n);
        if (Directory.Exists(f)) return -21;
        try
        {
            using var fs = new FileStream(f, append ? FileMode.Append : FileMode.Create, FileAccess.Write);
            fs.Write(new ReadOnlySpan<byte>(src, (int)len));
            return len;
        }
        catch (Exception e) { return Code(e); }
    }

    public static long Delete(byte* p, int n)
    {
        string f = Path(p, n);
        if (!File.Exists(f)) return -2;
        try { File.Delete(f); return 0; } catch (Exception e) { return Code(e); }
    }

    public static long MakeDir(byte* p, int n)
    {
        string d = Path(p, n);
        if (Directory.Exists(d)) return 1;
        if (File.Exists(d)) return -17;
        try { Directory.CreateDirectory(d); return 0; } catch (Exception e) { return Code(e); }
    }
}
