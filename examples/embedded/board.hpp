#pragma once
// The parts of QEMU's mps2-an385 board (ARM's AN385: a Cortex-M3 on an MPS2 FPGA) that the
// demo touches, and output through semihosting. Register addresses: ARM's AN385 application
// note and the CMSDK's APB timer; the SysTick is the core's own.

#include <cstdint>

namespace board {

constexpr std::uint32_t kCpuHz = 25'000'000;  // the MPS2's 25 MHz system clock

inline volatile std::uint32_t& reg(std::uint32_t addr) {
    return *reinterpret_cast<volatile std::uint32_t*>(addr);
}

// --- semihosting (the debugger's, or QEMU's, console) ---
inline int semihost(int op, const void* arg) {
    register int r0 asm("r0") = op;
    register const void* r1 asm("r1") = arg;
    asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
inline void print(const char* s) {
    semihost(0x04, s);  // SYS_WRITE0: a NUL-terminated string
}
inline void print_uint(std::uint32_t v) {
    char buf[12];
    char* p = buf + sizeof buf;
    *--p = '\0';
    do {
        *--p = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    print(p);
}

// --- the user LEDs (FPGA I/O: LED0..1 in bits 0..1) ---
inline void set_led(bool on) {
    reg(0x40028000) = on ? 1u : 0u;
}

// --- SysTick: the core's timer, at `hz` from the processor clock, interrupting ---
inline void start_systick(std::uint32_t hz) {
    reg(0xE000E014) = kCpuHz / hz - 1;  // SYST_RVR: reload
    reg(0xE000E018) = 0;                // SYST_CVR: current
    reg(0xE000E010) = 0b111;            // SYST_CSR: processor clock, interrupt, enable
}

// --- CMSDK APB timer 0 (IRQ 8): a periodic interrupt standing in for a button ---
constexpr std::uint32_t kTimer0 = 0x40000000;
constexpr int kTimer0Irq = 8;
inline void start_timer0(std::uint32_t period_ms) {
    reg(kTimer0 + 0x8) = kCpuHz / 1000 * period_ms;  // RELOAD
    reg(kTimer0 + 0x4) = kCpuHz / 1000 * period_ms;  // VALUE
    reg(kTimer0 + 0x0) = 0b1001;                     // CTRL: interrupt enable, enable
    reg(0xE000E100) = 1u << kTimer0Irq;              // NVIC_ISER0
}
inline void stop_timer0() {
    reg(kTimer0 + 0x0) = 0;
    reg(0xE000E180) = 1u << kTimer0Irq;  // NVIC_ICER0
}
inline void clear_timer0() {
    reg(kTimer0 + 0xC) = 1;  // INTCLEAR
}

}  // namespace board
