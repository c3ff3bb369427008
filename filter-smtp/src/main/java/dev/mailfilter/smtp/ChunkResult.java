package dev.mailfilter.smtp;

/**
 * How a BDAT chunk read ended.
 *
 * @param received the octets read and delivered
 * @param ended true when the whole announced chunk was read; false when the connection closed first
 */
record ChunkResult(long received, boolean ended) {}
