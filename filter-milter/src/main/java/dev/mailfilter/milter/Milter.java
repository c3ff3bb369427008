package dev.mailfilter.milter;

/**
 * The milter protocol's constants, named as in libmilter's {@code mfdef.h} so that they can be
 * looked up there and in Postfix's MILTER_README.
 */
final class Milter {
  private Milter() {}

  /** The newest protocol version; Postfix 2.6+ and Sendmail 8.14+ offer it. */
  public static final int VERSION = 6;

  /** The oldest protocol version we still speak (Postfix before 2.6 offers 2). */
  public static final int MIN_VERSION = 2;

  /** Bytes of the big-endian length that precedes every packet. */
  public static final int MILTER_LEN_BYTES = 4;

  /** The largest body chunk an MTA sends in one {@code SMFIC_BODY} packet. */
  public static final int MILTER_CHUNK_SIZE = 65_535;

  // Commands, MTA to milter.
  public static final char SMFIC_ABORT = 'A';
  public static final char SMFIC_BODY = 'B';
  public static final char SMFIC_CONNECT = 'C';
  public static final char SMFIC_MACRO = 'D';
  public static final char SMFIC_BODYEOB = 'E';
  public static final char SMFIC_HELO = 'H';
  public static final char SMFIC_QUIT_NC = 'K';
  public static final char SMFIC_HEADER = 'L';
  public static final char SMFIC_MAIL = 'M';
  public static final char SMFIC_EOH = 'N';
  public static final char SMFIC_OPTNEG = 'O';
  public static final char SMFIC_QUIT = 'Q';
  public static final char SMFIC_RCPT = 'R';
  public static final char SMFIC_DATA = 'T';
  public static final char SMFIC_UNKNOWN = 'U';

  // Replies and modification requests, milter to MTA.
  public static final char SMFIR_ADDRCPT = '+';
  public static final char SMFIR_DELRCPT = '-';
  public static final char SMFIR_ADDRCPT_PAR = '2';
  public static final char SMFIR_SHUTDOWN = '4';
  public static final char SMFIR_ACCEPT = 'a';
  public static final char SMFIR_REPLBODY = 'b';
  public static final char SMFIR_CONTINUE = 'c';
  public static final char SMFIR_DISCARD = 'd';
  public static final char SMFIR_CHGFROM = 'e';
  public static final char SMFIR_CONN_FAIL = 'f';
  public static final char SMFIR_ADDHEADER = 'h';
  public static final char SMFIR_INSHEADER = 'i';
  public static final char SMFIR_SETSYMLIST = 'l';
  public static final char SMFIR_CHGHEADER = 'm';
  public static final char SMFIR_PROGRESS = 'p';
  public static final char SMFIR_QUARANTINE = 'q';
  public static final char SMFIR_REJECT = 'r';
  public static final char SMFIR_SKIP = 's';
  public static final char SMFIR_TEMPFAIL = 't';
  public static final char SMFIR_REPLYCODE = 'y';

  // Address families in SMFIC_CONNECT.
  public static final char SMFIA_UNKNOWN = 'U';
  public static final char SMFIA_UNIX = 'L';
  public static final char SMFIA_INET = '4';
  public static final char SMFIA_INET6 = '6';

  // Actions: what the milter may do to a message.
  public static final int SMFIF_ADDHDRS = 0x01;
  public static final int SMFIF_CHGBODY = 0x02;
  public static final int SMFIF_ADDRCPT = 0x04;
  public static final int SMFIF_DELRCPT = 0x08;
  public static final int SMFIF_CHGHDRS = 0x10;
  public static final int SMFIF_QUARANTINE = 0x20;
  public static final int SMFIF_CHGFROM = 0x40;
  public static final int SMFIF_ADDRCPT_PAR = 0x80;
  public static final int SMFIF_SETSYMLIST = 0x100;

  // Protocol steps: what the MTA should leave out or not wait for.
  public static final int SMFIP_NOCONNECT = 0x01;
  public static final int SMFIP_NOHELO = 0x02;
  public static final int SMFIP_NOMAIL = 0x04;
  public static final int SMFIP_NORCPT = 0x08;
  public static final int SMFIP_NOBODY = 0x10;
  public static final int SMFIP_NOHDRS = 0x20;
  public static final int SMFIP_NOEOH = 0x40;
  public static final int SMFIP_NR_HDR = 0x80;
  public static final int SMFIP_NOUNKNOWN = 0x100;
  public static final int SMFIP_NODATA = 0x200;
  public static final int SMFIP_SKIP = 0x400;
  public static final int SMFIP_RCPT_REJ = 0x800;
  public static final int SMFIP_NR_CONN = 0x1000;
  public static final int SMFIP_NR_HELO = 0x2000;
  public static final int SMFIP_NR_MAIL = 0x4000;
  public static final int SMFIP_NR_RCPT = 0x8000;
  public static final int SMFIP_NR_DATA = 0x10000;
  public static final int SMFIP_NR_UNKN = 0x20000;
  public static final int SMFIP_NR_EOH = 0x40000;
  public static final int SMFIP_NR_BODY = 0x80000;
  public static final int SMFIP_HDR_LEADSPC = 0x100000;
  public static final int SMFIP_MDS_256K = 0x10000000;
  public static final int SMFIP_MDS_1M = 0x20000000;

  // Stages for which a milter may ask for a list of macros (SMFIR_SETSYMLIST, smfi_setsymlist).
  public static final int SMFIM_CONNECT = 0;
  public static final int SMFIM_HELO = 1;
  public static final int SMFIM_ENVFROM = 2;
  public static final int SMFIM_ENVRCPT = 3;
  public static final int SMFIM_DATA = 4;
  public static final int SMFIM_EOM = 5;
  public static final int SMFIM_EOH = 6;
}
