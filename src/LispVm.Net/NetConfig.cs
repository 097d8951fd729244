// Why: the guest's network options as key=value words, the same words on Xen (the domain's
// `extra=`) and in Linux mode (the command line): `ip=10.0.0.2/24 gw=10.0.0.1 udp-echo=7`.
// Parsed here, once, so both worlds agree; a bad word is an error the boot prints, never a
// guess. Addresses are held as host-order uints (10.0.0.2 = 0x0A000002).
// Strict syntax: a.b.c.d is four decimal numbers 0..255 of 1-3 digits; ip= also rejects
// 0/8, 127/8, 224/3 and the subnet's network and broadcast addresses; gw= must be a host
// of ip='s subnet other than ip. The last of repeated words wins.
namespace LispVm.Net
{
    public enum NetConfigStatus
    {
        Ok = 0,          // ip= given and every net word valid
        NoIp = 1,        // no ip= word: the guest has no network (not an error)
        BadIp = 2,       // ip= is not a.b.c.d/len with len 1..30, or a network/broadcast address
        BadGateway = 3,  // gw= is not a.b.c.d or lies outside ip='s subnet
        BadPort = 4,     // udp-echo= is not 1..65535
    }

    public unsafe struct NetConfig
    {
        public uint Ip;          // our address
        public int PrefixLength; // subnet mask length (24 for /24)
        public uint Gateway;     // 0 = none: off-subnet destinations are unreachable
        public ushort EchoPort;  // udp-echo=: 0 = no UDP echo service

        public uint Mask { get { return PrefixLength == 0 ? 0 : 0xFFFFFFFFu << (32 - PrefixLength); } }

        /// <summary>The subnet's broadcast address (0 when unconfigured).</summary>
        public uint SubnetBroadcast { get { return Ip == 0 ? 0 : (Ip | ~Mask); } }

        /// <summary>A human message for a status, for the boot to print.</summary>
        public static string StatusText(NetConfigStatus status)
        {
            switch (status)
            {
                case NetConfigStatus.Ok: return "net: configured";
                case NetConfigStatus.NoIp: return "net: no ip= option, network off";
                case NetConfigStatus.BadIp: return "net: bad ip= (want a.b.c.d/len, len 1..30, a host address)";
                case NetConfigStatus.BadGateway: return "net: bad gw= (want a.b.c.d on ip='s subnet)";
                case NetConfigStatus.BadPort: return "net: bad udp-echo= (want a port 1..65535)";
                default: return "net: unknown config status";
            }
        }

        /// <summary>Reads the net words among the option words in text (space-, tab-, newline- or
        /// NUL-separated, other words ignored). cfg is filled as far as it was read.</summary>
        public static NetConfigStatus Parse(byte* text, int length, out NetConfig cfg)
        {
            cfg = default(NetConfig);
            if (text == null || length < 0) length = 0;
            int ipAt = -1, ipLen = 0, gwAt = -1, gwLen = 0, echoAt = -1, echoLen = 0;
            int i = 0;
            while (i < length)
            {
                while (i < length && IsSeparator(text[i])) i++;
                int start = i;
                while (i < length && !IsSeparator(text[i])) i++;
                int n = i - start;
                byte* w = text + start;
                if (StartsWith(w, n, "ip=")) { ipAt = start + 3; ipLen = n - 3; }
                else if (StartsWith(w, n, "gw=")) { gwAt = start + 3; gwLen = n - 3; }
                else if (StartsWith(w, n, "udp-echo=")) { echoAt = start + 9; echoLen = n - 9; }
            }
            if (ipAt < 0) return NetConfigStatus.NoIp;

            uint ip; int plen;
            int used = ParseQuad(text + ipAt, ipLen, out ip);
            if (used <= 0 || used >= ipLen || text[ipAt + used] != (byte)'/') return NetConfigStatus.BadIp;
            int rest = ipLen - used - 1;
            if (rest < 1 || rest > 2 || !ParseDecimal(text + ipAt + used + 1, rest, out plen)) return NetConfigStatus.BadIp;
            if (plen < 1 || plen > 30) return NetConfigStatus.BadIp;
            cfg.PrefixLength = plen;
            uint mask = cfg.Mask;
            uint first = ip >> 24;
            if (first == 0 || first == 127 || first >= 224) return NetConfigStatus.BadIp;
            if ((ip & ~mask) == 0 || (ip & ~mask) == ~mask) return NetConfigStatus.BadIp;
            cfg.Ip = ip;

            if (gwAt >= 0)
            {
                uint gw;
                if (ParseQuad(text + gwAt, gwLen, out gw) != gwLen) return NetConfigStatus.BadGateway;
                if ((gw & mask) != (ip & mask) || gw == ip) return NetConfigStatus.BadGateway;
                if ((gw & ~mask) == 0 || (gw & ~mask) == ~mask) return NetConfigStatus.BadGateway;
                cfg.Gateway = gw;
            }
            if (echoAt >= 0)
            {
                int port;
                if (echoLen < 1 || echoLen > 5 || !ParseDecimal(text + echoAt, echoLen, out port)) return NetConfigStatus.BadPort;
                if (port < 1 || port > 65535) return NetConfigStatus.BadPort;
                cfg.EchoPort = (ushort)port;
            }
            return NetConfigStatus.Ok;
        }

        static bool IsSeparator(byte c) { return c == 0 || c == (byte)' ' || c == (byte)'\t' || c == (byte)'\n' || c == (byte)'\r'; }

        static bool StartsWith(byte* w, int n, string key)
        {
            if (n < key.Length) return false;
            for (int k = 0; k < key.Length; k++) if (w[k] != (byte)key[k]) return false;
            return true;
        }

        /// <summary>All n bytes are digits (n >= 1); value in v.</summary>
        static bool ParseDecimal(byte* p, int n, out int v)
        {
            v = 0;
            if (n < 1) return false;
            for (int k = 0; k < n; k++)
            {
                if (p[k] < (byte)'0' || p[k] > (byte)'9') return false;
                v = v * 10 + (p[k] - '0');
            }
            return true;
        }

        /// <summary>Parses a.b.c.d at the start of p; the bytes used, or 0 when not a quad.</summary>
        public static int ParseQuad(byte* p, int n, out uint ip)
        {
            ip = 0;
            int k = 0;
            for (int part = 0; part < 4; part++)
            {
                if (part > 0)
                {
                    if (k >= n || p[k] != (byte)'.') return 0;
                    k++;
                }
                int start = k, v = 0;
                while (k < n && k - start < 4 && p[k] >= (byte)'0' && p[k] <= (byte)'9') { v = v * 10 + (p[k] - '0'); k++; }
                int digits = k - start;
                if (digits < 1 || digits > 3 || v > 255) return 0;
                ip = (ip << 8) | (uint)v;
            }
            return k;
        }
    }
}
