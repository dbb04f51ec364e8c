/* crc16.h: CRC-16/CCITT-FALSE, the checksum inside a Little Printer claim code. */
#ifndef SIRIUS_CRC16_H
#define SIRIUS_CRC16_H

#include <stddef.h>
#include <stdint.h>

/* The value to start a running CRC with (CRC-16/CCITT-FALSE's initial register). */
#define CRC16_CCITT_INIT 0xFFFFu

/*
 * CRC-16/CCITT-FALSE of len bytes: polynomial 0x1021, initial value 0xFFFF,
 * input and output not reflected, no final xor. The check value of the nine
 * ASCII bytes "123456789" is 0x29B1. data may be NULL when len is 0.
 */
uint16_t crc16_ccitt(const uint8_t *data, size_t len);

/*
 * Continues a CRC over len more bytes: crc16_ccitt(d, n) equals
 * crc16_ccitt_update(CRC16_CCITT_INIT, d, n), and a message may be fed in pieces.
 */
uint16_t crc16_ccitt_update(uint16_t crc, const uint8_t *data, size_t len);

#endif
