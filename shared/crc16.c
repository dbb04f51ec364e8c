/* crc16.c: CRC-16/CCITT-FALSE computed bit by bit (claim codes hold 8 bytes). */
#include "crc16.h"

/* The register after shifting len more bytes through it, most significant bit first. */
uint16_t crc16_ccitt_update(uint16_t crc, const uint8_t *data, size_t len)
{
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		crc ^= (uint16_t)(data[i] << 8);
		for (bit = 0; bit < 8; bit++) {
			if (crc & 0x8000u)
				crc = (uint16_t)((crc << 1) ^ 0x1021u);
			else
				crc = (uint16_t)(crc << 1);
		}
	}
	return crc;
}

uint16_t crc16_ccitt(const uint8_t *data, size_t len)
{
	return crc16_ccitt_update(CRC16_CCITT_INIT, data, len);
}
