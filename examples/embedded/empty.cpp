// The baseline for the demo's size: the same start-up (startup.cpp, newlib's rdimon C
// start-up), an empty main. scripts/embedded.sh subtracts its .text from the demo's.
int main() {
    return 0;
}
