// The vector table and reset handler of the demo firmware, and the proof that it uses no heap:
// every allocator entry point traps.

#include <cstddef>
#include <cstdint>

#include "board.hpp"

extern "C" {
extern std::uint32_t __data_load__, __data_start__, __data_end__, __stack;
[[noreturn]] void _start();  // newlib's C start-up (rdimon-crt0): .bss, constructors, main, exit

[[noreturn]] void Reset_Handler() {
    // QEMU loads .data at its load address in the flash: copy it to RAM (_start does not).
    for (std::uint32_t *src = &__data_load__, *dst = &__data_start__; dst < &__data_end__;)
        *dst++ = *src++;
    _start();
}

[[noreturn]] static void fault(const char* what) {
    board::print(what);
    board::semihost(0x18, reinterpret_cast<const void*>(0x20023));  // SYS_EXIT: runtime error
    for (;;) {
    }
}
void HardFault_Handler() {
    fault("firmware: hard fault\n");
}
void Default_Handler() {
    fault("firmware: unexpected interrupt\n");
}
// The program's handlers (demo.cpp), or Default_Handler where it has none.
void SysTick_Handler() __attribute__((weak, alias("Default_Handler")));
void Timer0_Handler() __attribute__((weak, alias("Default_Handler")));

// No heap: anything that asks for one stops the firmware with a message.
void* malloc(std::size_t) {
    fault("firmware: malloc called\n");
}
void* calloc(std::size_t, std::size_t) {
    fault("firmware: calloc called\n");
}
void* realloc(void*, std::size_t) {
    fault("firmware: realloc called\n");
}
void free(void*) {
    fault("firmware: free called\n");
}
void* _malloc_r(void*, std::size_t) {
    fault("firmware: _malloc_r called\n");
}
void _free_r(void*, void*) {
    fault("firmware: _free_r called\n");
}
void* _realloc_r(void*, void*, std::size_t) {
    fault("firmware: _realloc_r called\n");
}
void* _calloc_r(void*, std::size_t, std::size_t) {
    fault("firmware: _calloc_r called\n");
}
}

void* operator new(std::size_t) {
    fault("firmware: operator new called\n");
}
void operator delete(void*) noexcept {
    fault("firmware: operator delete called\n");
}
void operator delete(void*, std::size_t) noexcept {
    fault("firmware: operator delete called\n");
}

using Handler = void (*)();
// Cortex-M vector table: the initial stack pointer, the 15 system exceptions, then the board's
// interrupts up to the last one this firmware enables (timer 0 is IRQ 8 on the AN385; an
// interrupt that is never enabled never reads its entry).
extern "C" __attribute__((section(".vectors"), used)) const Handler vector_table[16 + 9] = {
    reinterpret_cast<Handler>(&__stack),
    Reset_Handler,
    Default_Handler,    // NMI
    HardFault_Handler,  // HardFault
    HardFault_Handler,  // MemManage
    HardFault_Handler,  // BusFault
    HardFault_Handler,  // UsageFault
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    Default_Handler,  // SVCall
    Default_Handler,  // DebugMonitor
    nullptr,
    Default_Handler,  // PendSV
    SysTick_Handler,
    Default_Handler,  // IRQ 0 ... 7
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Timer0_Handler,  // IRQ 8: CMSDK timer 0
};
