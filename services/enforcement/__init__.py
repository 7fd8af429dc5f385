""" "1+2+N" 联合执法: officers, targets, inspection matters, random draws, joint visits, published results."""
