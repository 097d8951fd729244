// Why: the guest's network options as key=value words, the same words on Xen (the domain's
// `extra=`) and in Linux mode (the command line): `ip=10.0.0.2/24 gw=10.0.0.1 udp-echo=7`.
// Parsed here, once, so both worlds agree; a bad word is an error the boot prints, never a
// guess. Addresses are held as host-order uints (10.0.0.2 = 0x0A000002).
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

    public struct NetConfig
    {
        public uint Ip;          // our address
        public int PrefixLength; // subnet mask length (24 for /24)
        public uint Gateway;     // 0 = none: off-subnet destinations are unreachable
        public ushort EchoPort;  // udp-echo=: 0 = no UDP echo service

        public uint Mask { get { return PrefixLength == 0 ? 0 : 0xFFFFFFFFu << (32 - PrefixLength); } }

        /// <summary>Reads the net words among the option words in text (space- or NUL-separated,
        /// other words ignored). cfg is filled as far as it was read.</summary>
        public static unsafe NetConfigStatus Parse(byte* text, int length, out NetConfig cfg)
        {
            cfg = default(NetConfig);
            return NetConfigStatus.NoIp;   // TODO(net helper): parse ip=, gw=, udp-echo=
        }
    }
}
