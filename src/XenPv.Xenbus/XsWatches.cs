// Why: the watches we hold, dispatched by token: a WATCH_EVENT ("path\0token\0") marks its
// watch fired; several events for the same token before anyone looks are one (the reader
// re-reads the key anyway), so a burst of writes cannot overflow anything. Events for
// tokens we do not hold are counted and dropped. Capacity is fixed at boot (MaxWatches).
// Paths built at run time are kept as bytes (MaxPathBytes each) so that every watch can be
// registered again after a resume in a new domain (xenstored there knows none of them).
namespace XenPv.Xenbus
{
    public unsafe sealed class XsWatches
    {
        public const int MaxWatches = 8;

        private readonly string[] paths = new string[MaxWatches];
        private readonly string[] tokens = new string[MaxWatches];
        private readonly bool[] fired = new bool[MaxWatches];
        public const int MaxPathBytes = 160;
        private readonly byte[] pathBytes = new byte[MaxWatches * MaxPathBytes];
        private readonly int[] pathLengths = new int[MaxWatches];   // 0: the path is paths[i] (or unknown)
        public int Coalesced;        // events folded into one already pending
        public int Unknown;          // events whose token we do not hold (or malformed)

        public int Find(string token)
        {
            for (int i = 0; i < MaxWatches; i++)
                if (tokens[i] != null && Same(tokens[i], token)) return i;
            return -1;
        }

        // A free slot for (path, token); -1 when full.
        public int Add(string path, string token)
        {
            for (int i = 0; i < MaxWatches; i++)
            {
                if (tokens[i] != null) continue;
                paths[i] = path; tokens[i] = token; fired[i] = false;
                return i;
            }
            return -1;
        }

        // A free slot for a path given as bytes (kept, when it fits, for re-registration).
        public int Add(byte* path, int length, string token)
        {
            int i = Add(null, token);
            if (i < 0 || path == null || length <= 0 || length > MaxPathBytes) return i;
            for (int k = 0; k < length; k++) pathBytes[i * MaxPathBytes + k] = path[k];
            pathLengths[i] = length;
            return i;
        }

        public void Remove(int i) { if (i >= 0 && i < MaxWatches) { paths[i] = null; tokens[i] = null; fired[i] = false; pathLengths[i] = 0; } }

        public string TokenOf(int i) { return i >= 0 && i < MaxWatches ? tokens[i] : null; }

        // The byte path of slot i into dst (at least MaxPathBytes); its length, 0 if none.
        public int PathBytesOf(int i, byte* dst)
        {
            if (i < 0 || i >= MaxWatches) return 0;
            int n = pathLengths[i];
            for (int k = 0; k < n; k++) dst[k] = pathBytes[i * MaxPathBytes + k];
            return n;
        }

        // Forgets every event not yet taken (a resume: the first event of each re-registered
        // watch follows).
        public void ClearFired() { for (int i = 0; i < MaxWatches; i++) fired[i] = false; }

        public string PathOf(int i) { return i >= 0 && i < MaxWatches ? paths[i] : null; }

        // A WATCH_EVENT payload: "path\0token\0" (hostile: unterminated or unknown is dropped).
        public void OnEvent(byte* payload, int len)
        {
            int nul = 0;
            while (nul < len && payload[nul] != 0) nul++;
            if (nul >= len) { Unknown++; return; }
            byte* tok = payload + nul + 1;
            int tlen = len - nul - 1;
            if (tlen > 0 && tok[tlen - 1] == 0) tlen--;
            for (int i = 0; i < MaxWatches; i++)
            {
                if (tokens[i] == null || !XsErrors.Is(tok, tlen, tokens[i])) continue;
                if (fired[i]) Coalesced++;
                fired[i] = true;
                return;
            }
            Unknown++;
        }

        // True once per burst of events for token (and clears it).
        public bool Take(string token)
        {
            int i = Find(token);
            if (i < 0 || !fired[i]) return false;
            fired[i] = false;
            return true;
        }

        // Fired and not yet taken (does not clear it).
        public bool Fired(string token)
        {
            int i = Find(token);
            return i >= 0 && fired[i];
        }

        public bool AnyFired
        {
            get
            {
                for (int i = 0; i < MaxWatches; i++) if (fired[i]) return true;
                return false;
            }
        }

        private static bool Same(string a, string b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }
    }
}
