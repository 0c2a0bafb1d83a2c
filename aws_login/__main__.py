from aws_login.fastpath import main

main()
