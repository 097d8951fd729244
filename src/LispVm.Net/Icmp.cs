// Why: the ICMP message header (RFC 792): type, code, checksum over the whole message,
// and for echo the identifier and sequence number, which a reply keeps unchanged.
namespace LispVm.Net
{
    public static class Icmp
    {
        public const int HeaderLength = 8;
        public const int Type = 0, Code = 1, Checksum = 2, Identifier = 4, Sequence = 6;
        public const int TypeEchoReply = 0, TypeEchoRequest = 8;
    }
}
