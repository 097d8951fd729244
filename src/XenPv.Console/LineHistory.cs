// Why: the line editor's history: the last forms typed (a multi-line form is one entry,
// its lines joined by LF), newest first, in one byte arena allocated at construction.
// Bounds: at most MaxEntries entries and ArenaBytes bytes; adding past either drops the
// oldest entries. An entry as long as the arena, an empty one or a repeat of the newest is
// not added.
namespace XenPv.Console
{
    public sealed class LineHistory
    {
        public const int DefaultEntries = 100;
        public const int DefaultBytes = 32768;
        readonly byte[] arena;
        readonly int[] start;         // oldest first: entry k is arena[start[k] .. start[k]+length[k])
        readonly int[] length;
        int count, used;

        public LineHistory(int maxEntries = DefaultEntries, int arenaBytes = DefaultBytes)
        {
            arena = new byte[arenaBytes];
            start = new int[maxEntries];
            length = new int[maxEntries];
        }

        public int Count { get { return count; } }

        public void Add(byte[] src, int n)
        {
            if (n <= 0 || n >= arena.Length || start.Length == 0) return;
            if (count > 0 && Equals(0, src, 0, n)) return;
            while (count == start.Length || used + n > arena.Length) DropOldest();
            for (int i = 0; i < n; i++) arena[used + i] = src[i];
            start[count] = used;
            length[count] = n;
            count++;
            used += n;
        }

        void DropOldest()
        {
            int drop = length[0];
            for (int i = drop; i < used; i++) arena[i - drop] = arena[i];
            for (int k = 1; k < count; k++) { start[k - 1] = start[k] - drop; length[k - 1] = length[k]; }
            count--;
            used -= drop;
        }

        // Entry i (0 = newest) into dst; its length (cut to dst's size).
        public int CopyTo(int i, byte[] dst)
        {
            int k = count - 1 - i;
            if (k < 0 || k >= count) return 0;
            int n = length[k] < dst.Length ? length[k] : dst.Length;
            for (int j = 0; j < n; j++) dst[j] = arena[start[k] + j];
            return n;
        }

        bool Equals(int i, byte[] s, int from, int n)
        {
            int k = count - 1 - i;
            if (length[k] != n) return false;
            for (int j = 0; j < n; j++) if (arena[start[k] + j] != s[from + j]) return false;
            return true;
        }

        // The newest entry at index >= from containing q[0..qn): its index, and in offset the
        // last occurrence in it at or before maxOffset (-1: any); -1 when none.
        public int Search(byte[] q, int qn, int from, int maxOffset, out int offset)
        {
            offset = 0;
            for (int i = from < 0 ? 0 : from; i < count; i++)
            {
                int k = count - 1 - i;
                int last = length[k] - qn;
                if (i == from && maxOffset >= 0 && maxOffset < last) last = maxOffset;
                for (int o = last; o >= 0; o--)
                {
                    bool same = true;
                    for (int j = 0; j < qn; j++) if (arena[start[k] + o + j] != q[j]) { same = false; break; }
                    if (same) { offset = o; return i; }
                }
            }
            return -1;
        }
    }
}
